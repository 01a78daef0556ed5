using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RunConcurrencyToken : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "Runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Version",
                table: "Runs");
        }
    }
}
