using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ServerAdminLogins : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Destination_AdminLogin",
                table: "MigrationJobs",
                type: "TEXT",
                maxLength: 320,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Destination_AdminMode",
                table: "MigrationJobs",
                type: "TEXT",
                maxLength: 12,
                nullable: false,
                defaultValue: "MasterUser"); // existing jobs: no admin login, the mode's default

            migrationBuilder.AddColumn<string>(
                name: "Destination_AdminSecretProtected",
                table: "MigrationJobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Source_AdminLogin",
                table: "MigrationJobs",
                type: "TEXT",
                maxLength: 320,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Source_AdminMode",
                table: "MigrationJobs",
                type: "TEXT",
                maxLength: 12,
                nullable: false,
                defaultValue: "MasterUser"); // existing jobs: no admin login, the mode's default

            migrationBuilder.AddColumn<string>(
                name: "Source_AdminSecretProtected",
                table: "MigrationJobs",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Destination_AdminLogin",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Destination_AdminMode",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Destination_AdminSecretProtected",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Source_AdminLogin",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Source_AdminMode",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Source_AdminSecretProtected",
                table: "MigrationJobs");
        }
    }
}
