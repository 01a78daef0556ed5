using Ligbox.Console.Auth;
using Ligbox.Core.Zimbra;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

/// <summary>Zimbra TGZ runs: their report, quarantined messages and the archive of contacts, calendar items, tasks and files.</summary>
/// <remarks>A TGZ import is started by the same <c>POST /jobs/{id}/mailboxes/{mailboxId}/import</c> as a PST (by the upload's name).</remarks>
public static class ZimbraEndpoints
{
    public static IEndpointRouteBuilder MapZimbraEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/migration").RequireAuthorization().WithTags("Zimbra import");
        api.MapGet("/runs/{runId:guid}/tgz", GetReport).RequireAuthorization(Policies.JobsRead)
            .WithName("GetTgzRun").WithSummary("Per-folder counts (live while running, with bytes read), the quarantine list and the non-mail items of a Zimbra TGZ run.");
        api.MapGet("/runs/{runId:guid}/tgz/items", DownloadOtherItems).RequireAuthorization(Policies.JobsRead)
            .WithName("DownloadTgzItems").WithSummary("The run's contacts (contacts.vcf), calendar items (calendar.ics), tasks (tasks.ics) and briefcase files as one zip; 404 when it had none.");
        api.MapGet("/runs/{runId:guid}/tgz/quarantine/{n:int}", DownloadQuarantined).RequireAuthorization(Policies.JobsRead)
            .WithName("DownloadTgzQuarantinedMessage").WithSummary("One quarantined message of a TGZ run as .eml (what the export held of it).");
        return app;
    }

    private static async Task<Ok<ZimbraRunReport>> GetReport(Guid runId, ZimbraImportService service, CancellationToken ct) =>
        TypedResults.Ok(await service.GetReportAsync(runId, ct));

    private static async Task<Results<PhysicalFileHttpResult, NotFound>> DownloadOtherItems(Guid runId, ZimbraImportService service, CancellationToken ct) =>
        await service.OtherItemsPathAsync(runId, ct) is { } path
            ? TypedResults.PhysicalFile(path, "application/zip", $"zimbra-items-{runId:N}.zip")
            : TypedResults.NotFound();

    private static async Task<Results<PhysicalFileHttpResult, NotFound>> DownloadQuarantined(Guid runId, int n, ZimbraImportService service, CancellationToken ct) =>
        await service.QuarantineFileAsync(runId, n, ct) is { } path
            ? TypedResults.PhysicalFile(path, "message/rfc822", $"quarantine-{n}.eml")
            : TypedResults.NotFound();
}
