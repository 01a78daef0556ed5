using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Migrations.PostgreSql.Migrations
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    Side = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    Provider = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Authority = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    ClientId = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    ClientSecretProtected = table.Column<string>(type: "text", nullable: true),
                    Scopes = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    UpdatedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    JobId = table.Column<Guid>(type: "uuid", nullable: false),
                    MailboxId = table.Column<Guid>(type: "uuid", nullable: false),
                    Side = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    AccessTokenProtected = table.Column<string>(type: "text", nullable: true),
                    RefreshTokenProtected = table.Column<string>(type: "text", nullable: true),
                    ExpiresAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    IssuedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    AuthorizedAtUtc = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    AuthorizedBy = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    Failed = table.Column<bool>(type: "boolean", nullable: false),
                    Problem = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Version = table.Column<int>(type: "integer", nullable: false)
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
