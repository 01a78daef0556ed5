using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Migrations.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class JobLanguage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Language",
                table: "MigrationJobs",
                type: "character varying(8)",
                maxLength: 8,
                nullable: false,
                defaultValue: "en");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Language",
                table: "MigrationJobs");
        }
    }
}
