using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class GateBindingAndMailboxLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "CredentialsVersion",
                table: "Mailboxes",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<bool>(
                name: "Excluded",
                table: "Mailboxes",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTime>(
                name: "ExcludedAtUtc",
                table: "Mailboxes",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ExcludedBy",
                table: "Mailboxes",
                type: "TEXT",
                maxLength: 256,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ExcludedReason",
                table: "Mailboxes",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "AcceptedExcluded",
                table: "Gates",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<string>(
                name: "ApprovedInputsJson",
                table: "Gates",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Version",
                table: "Gates",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CredentialsVersion",
                table: "Mailboxes");

            migrationBuilder.DropColumn(
                name: "Excluded",
                table: "Mailboxes");

            migrationBuilder.DropColumn(
                name: "ExcludedAtUtc",
                table: "Mailboxes");

            migrationBuilder.DropColumn(
                name: "ExcludedBy",
                table: "Mailboxes");

            migrationBuilder.DropColumn(
                name: "ExcludedReason",
                table: "Mailboxes");

            migrationBuilder.DropColumn(
                name: "AcceptedExcluded",
                table: "Gates");

            migrationBuilder.DropColumn(
                name: "ApprovedInputsJson",
                table: "Gates");

            migrationBuilder.DropColumn(
                name: "Version",
                table: "Gates");
        }
    }
}
