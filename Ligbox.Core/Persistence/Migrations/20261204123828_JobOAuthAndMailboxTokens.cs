using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Core.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class JobOAuthAndMailboxTokens : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "JobOAuthSettings",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    JobId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Side = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Authority = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    ClientId = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    ClientSecretProtected = table.Column<string>(type: "TEXT", nullable: true),
                    Scopes = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    UpdatedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_JobOAuthSettings", x => x.Id);
                    table.ForeignKey(
                        name: "FK_JobOAuthSettings_MigrationJobs_JobId",
                        column: x => x.JobId,
                        principalTable: "MigrationJobs",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "MailboxOAuthTokens",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    JobId = table.Column<Guid>(type: "TEXT", nullable: false),
                    MailboxId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Side = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    AccessTokenProtected = table.Column<string>(type: "TEXT", nullable: true),
                    RefreshTokenProtected = table.Column<string>(type: "TEXT", nullable: true),
                    ExpiresAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    IssuedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    AuthorizedAtUtc = table.Column<DateTime>(type: "TEXT", nullable: true),
                    AuthorizedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Failed = table.Column<bool>(type: "INTEGER", nullable: false),
                    Problem = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MailboxOAuthTokens", x => x.Id);
                    table.ForeignKey(
                        name: "FK_MailboxOAuthTokens_Mailboxes_MailboxId",
                        column: x => x.MailboxId,
                        principalTable: "Mailboxes",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_JobOAuthSettings_JobId_Side",
                table: "JobOAuthSettings",
                columns: new[] { "JobId", "Side" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MailboxOAuthTokens_JobId",
                table: "MailboxOAuthTokens",
                column: "JobId");

            migrationBuilder.CreateIndex(
                name: "IX_MailboxOAuthTokens_MailboxId_Side",
                table: "MailboxOAuthTokens",
                columns: new[] { "MailboxId", "Side" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "JobOAuthSettings");

            migrationBuilder.DropTable(
                name: "MailboxOAuthTokens");
        }
    }
}
