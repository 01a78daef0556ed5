using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class Runs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RunMailboxes");

            migrationBuilder.DropTable(
                name: "SyncFolderStates");

            migrationBuilder.DropTable(
                name: "SyncUidPairs");
        }
    }
}
