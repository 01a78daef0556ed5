using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RunsGateWebhooks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Gates",
                columns: table => new
                {
                    JobId = table.Column<Guid>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    DecidedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    DecidedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Comment = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    AcceptedMissing = table.Column<bool>(type: "INTEGER", nullable: false),
                    UpdatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Gates", x => x.JobId);
                    table.ForeignKey(
                        name: "FK_Gates_MigrationJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "MigrationJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "RunMailboxes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    RunId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MailboxId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SourceLogin = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Message = table.Column<string>(type: "TEXT", nullable: true),
                    ResultJson = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RunMailboxes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RunMailboxes_Runs_RunId",
                        column: x => x.RunId,
                        principalTable: "Runs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SyncFolderStates",
                columns: table => new
                {
                    MailboxKey = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    SourceFolder = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    DestinationFolder = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    SourceUidValidity = table.Column<long>(type: "INTEGER", nullable: false),
                    DestinationUidValidity = table.Column<long>(type: "INTEGER", nullable: false),
                    HighestSyncedUid = table.Column<long>(type: "INTEGER", nullable: false),
                    SourceUidNext = table.Column<long>(type: "INTEGER", nullable: false),
                    SourceMessageCount = table.Column<int>(type: "INTEGER", nullable: false),
                    HighestModSeq = table.Column<long>(type: "INTEGER", nullable: true),
                    DestinationUidNext = table.Column<long>(type: "INTEGER", nullable: false),
                    RetryUidsJson = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SyncFolderStates", x => new { x.MailboxKey, x.SourceFolder });
                });

            migrationBuilder.CreateTable(
                name: "SyncUidPairs",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    MailboxKey = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    SourceFolder = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    SourceUid = table.Column<long>(type: "INTEGER", nullable: false),
                    DestinationUid = table.Column<long>(type: "INTEGER", nullable: false),
                    CopiedByUs = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SyncUidPairs", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "WebhookEndpoints",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    SecretProtected = table.Column<string>(type: "TEXT", nullable: false),
                    EventsCsv = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WebhookEndpoints", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "WebhookDeliveries",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    EndpointId = table.Column<Guid>(type: "TEXT", nullable: false),
                    EventId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    JobId = table.Column<Guid>(type: "TEXT", nullable: true),
                    PayloadJson = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    NextAttemptAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastAttemptAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastStatusCode = table.Column<int>(type: "INTEGER", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    CreatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DeliveredAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WebhookDeliveries", x => x.Id);
                    table.ForeignKey(
                        name: "FK_WebhookDeliveries_WebhookEndpoints_EndpointId",
                        column: x => x.EndpointId,
                        principalTable: "WebhookEndpoints",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RunMailboxes_MailboxId",
                table: "RunMailboxes",
                column: "MailboxId");

            migrationBuilder.CreateIndex(
                name: "IX_RunMailboxes_RunId_MailboxId",
                table: "RunMailboxes",
                columns: new[] { "RunId", "MailboxId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SyncUidPairs_MailboxKey_SourceFolder_SourceUid",
                table: "SyncUidPairs",
                columns: new[] { "MailboxKey", "SourceFolder", "SourceUid" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WebhookDeliveries_CreatedAtUtc",
                table: "WebhookDeliveries",
                column: "CreatedAtUtc");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookDeliveries_EndpointId",
                table: "WebhookDeliveries",
                column: "EndpointId");

            migrationBuilder.CreateIndex(
                name: "IX_WebhookDeliveries_Status_NextAttemptAtUtc",
                table: "WebhookDeliveries",
                columns: new[] { "Status", "NextAttemptAtUtc" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Gates");

            migrationBuilder.DropTable(
                name: "RunMailboxes");

            migrationBuilder.DropTable(
                name: "SyncFolderStates");

            migrationBuilder.DropTable(
                name: "SyncUidPairs");

            migrationBuilder.DropTable(
                name: "WebhookDeliveries");

            migrationBuilder.DropTable(
                name: "WebhookEndpoints");
        }
    }
}
