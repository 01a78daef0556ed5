using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class RunCopiedFigures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "BytesCopied",
                table: "Runs",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "MessagesCopied",
                table: "Runs",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // No backfill here, unlike SQLite's: the PostgreSQL set arrived with this same version, so no PostgreSQL
            // database holds runs from before the columns.
            migrationBuilder.CreateIndex(
                name: "IX_Runs_EndedAtUtc",
                table: "Runs",
                column: "EndedAtUtc");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Runs_EndedAtUtc",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "BytesCopied",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "MessagesCopied",
                table: "Runs");
        }
    }
}
