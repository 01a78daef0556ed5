using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class DeltaSchedules : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Schedule_Cron",
                table: "MigrationJobs",
                type: "TEXT",
                maxLength: 120,
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "Schedule_Enabled",
                table: "MigrationJobs",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "Schedule_EveryHours",
                table: "MigrationJobs",
                type: "INTEGER",
                nullable: false,
                // Existing jobs get the default interval (DeltaSchedule.DefaultEveryHours), switched off.
                defaultValue: 6);

            migrationBuilder.AddColumn<DateTime>(
                name: "Schedule_LastPassAtUtc",
                table: "MigrationJobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Schedule_LastPassMessage",
                table: "MigrationJobs",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Schedule_LastPassOutcome",
                table: "MigrationJobs",
                type: "TEXT",
                maxLength: 10,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "Schedule_LastPassRunId",
                table: "MigrationJobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "Schedule_UpdatedAtUtc",
                table: "MigrationJobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Schedule_UpdatedBy",
                table: "MigrationJobs",
                type: "TEXT",
                maxLength: 256,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Schedule_Cron",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Schedule_Enabled",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Schedule_EveryHours",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Schedule_LastPassAtUtc",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Schedule_LastPassMessage",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Schedule_LastPassOutcome",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Schedule_LastPassRunId",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Schedule_UpdatedAtUtc",
                table: "MigrationJobs");

            migrationBuilder.DropColumn(
                name: "Schedule_UpdatedBy",
                table: "MigrationJobs");
        }
    }
}
