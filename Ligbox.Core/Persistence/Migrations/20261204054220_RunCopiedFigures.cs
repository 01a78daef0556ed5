using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Ligbox.Core.Persistence.Migrations
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
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "MessagesCopied",
                table: "Runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            // Runs that ended before this version get their figures from the statistics they stored, so the
            // dashboard's 30 days are right from the first start (SQLite's JSON functions; the same names as
            // RunStatisticsSerializer writes).
            migrationBuilder.Sql("""
                UPDATE Runs SET
                    MessagesCopied = COALESCE((SELECT SUM(json_extract(m.ResultJson, '$.messagesTransferred')) FROM RunMailboxes m
                        WHERE m.RunId = Runs.Id AND json_valid(m.ResultJson)), 0),
                    BytesCopied = COALESCE((SELECT SUM(json_extract(m.ResultJson, '$.bytesTransferred')) FROM RunMailboxes m
                        WHERE m.RunId = Runs.Id AND json_valid(m.ResultJson)), 0)
                WHERE DryRun = 0 AND EndedAtUtc IS NOT NULL AND Kind NOT IN ('Pst', 'Tgz');
                """);
            migrationBuilder.Sql("""
                UPDATE Runs SET
                    MessagesCopied = COALESCE((SELECT SUM(json_extract(f.value, '$.appended')) FROM json_each(Runs.StatisticsJson, '$.folders') f), 0),
                    BytesCopied = COALESCE((SELECT SUM(json_extract(f.value, '$.appendedBytes')) FROM json_each(Runs.StatisticsJson, '$.folders') f), 0)
                WHERE DryRun = 0 AND EndedAtUtc IS NOT NULL AND Kind IN ('Pst', 'Tgz') AND json_valid(StatisticsJson);
                """);

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
