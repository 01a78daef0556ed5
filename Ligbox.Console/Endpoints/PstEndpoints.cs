using System.Security.Claims;
using Ligbox.Console.Auth;
using Ligbox.Core.Pst;
using Ligbox.Core.Zimbra;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

/// <summary>Body of <c>POST /jobs/{id}/mailboxes/{mailboxId}/import</c>.</summary>
/// <param name="UploadId">A finished tus upload of a .pst/.ost/.mbox file, or of a Zimbra .tgz export.</param>
/// <param name="RootFolder">Destination folder for the ordinary folders; omitted = "Imported PST" ("Imported Zimbra" for a .tgz), empty = top level (merged).</param>
public sealed record PstImportRequestBody(string UploadId, string? RootFolder = null);

/// <summary>Where the run was queued.</summary>
public sealed record PstImportAccepted(Guid RunId, string Location);

public static class PstEndpoints
{
    public static IEndpointRouteBuilder MapPstEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/migration").RequireAuthorization().WithTags("PST import");
        api.MapPost("/jobs/{id:guid}/mailboxes/{mailboxId:guid}/import", StartImport).RequireAuthorization(Policies.JobsWrite)
            .WithName("StartPstImport").WithSummary("Import an uploaded PST/OST/mbox, or a Zimbra .tgz export, into the mailbox's destination account; 202 with the run. 403 for another user's upload (admins excepted), 400 when the file is not a PST/OST/mbox or not a Zimbra export (gzip, tar, .meta entries).");
        api.MapGet("/runs/{runId:guid}/pst", GetReport).RequireAuthorization(Policies.JobsRead)
            .WithName("GetPstRun").WithSummary("Per-folder counts (live while running) and the quarantine list of a PST run.");
        api.MapGet("/runs/{runId:guid}/pst/items", DownloadOtherItems).RequireAuthorization(Policies.JobsRead)
            .WithName("DownloadPstItems").WithSummary("The contacts (contacts.vcf) and calendar entries (calendar.ics) readpst found in the PST, as one zip; 404 when it had none.");
        api.MapGet("/runs/{runId:guid}/quarantine/{n:int}", DownloadQuarantined).RequireAuthorization(Policies.JobsRead)
            .WithName("DownloadQuarantinedMessage").WithSummary("One quarantined message as .eml.");
        api.MapPost("/runs/{runId:guid}/quarantine/retry", RetryQuarantine).RequireAuthorization(Policies.JobsWrite)
            .WithName("RetryPstQuarantine").WithSummary("Append the run's quarantined messages again (e.g. after the quota was raised); 202 with the new run.");
        return app;
    }

    private static async Task<Accepted<PstImportAccepted>> StartImport(Guid id, Guid mailboxId, PstImportRequestBody body, PstImportService service,
        ZimbraImportService zimbra, ClaimsPrincipal user, CancellationToken ct)
    {
        if (await zimbra.IsTgzUploadAsync(body.UploadId, ct))
        {
            var tgzRun = await zimbra.StartImportAsync(id, mailboxId, new ZimbraImportStart(body.UploadId, RootFolder: body.RootFolder ?? ZimbraImportService.DefaultRootFolder), user.PstCaller(), ct);
            var location = $"/api/migration/runs/{tgzRun}/tgz";
            return TypedResults.Accepted(location, new PstImportAccepted(tgzRun, location));
        }

        var runId = await service.StartImportAsync(id, mailboxId, new PstImportStart(body.UploadId, RootFolder: body.RootFolder ?? PstImportService.DefaultRootFolder), user.PstCaller(), ct);
        return Accepted(runId);
    }

    private static async Task<Ok<PstRunReport>> GetReport(Guid runId, PstImportService service, CancellationToken ct) =>
        TypedResults.Ok(await service.GetReportAsync(runId, ct));

    private static async Task<Results<PhysicalFileHttpResult, NotFound>> DownloadOtherItems(Guid runId, PstImportService service, CancellationToken ct) =>
        await service.OtherItemsPathAsync(runId, ct) is { } path
            ? TypedResults.PhysicalFile(path, "application/zip", $"pst-items-{runId:N}.zip")
            : TypedResults.NotFound();

    private static async Task<Results<PhysicalFileHttpResult, NotFound>> DownloadQuarantined(Guid runId, int n, PstImportService service, CancellationToken ct) =>
        await service.QuarantineFileAsync(runId, n, ct) is { } path
            ? TypedResults.PhysicalFile(path, "message/rfc822", $"quarantine-{n}.eml")
            : TypedResults.NotFound();

    private static async Task<Accepted<PstImportAccepted>> RetryQuarantine(Guid runId, PstImportService service, ClaimsPrincipal user, CancellationToken ct) =>
        Accepted(await service.RetryQuarantineAsync(runId, user.Actor(), ct));

    /// <summary>The import's caller: the same owner id and admin rule as the tus endpoints (<see cref="UploadEndpoints"/>).</summary>
    internal static PstImportCaller PstCaller(this ClaimsPrincipal user) =>
        new(user.Actor(), user.FindFirstValue(ClaimTypes.NameIdentifier), user.IsInRole(UploadEndpoints.AdminRole));

    private static Accepted<PstImportAccepted> Accepted(Guid runId)
    {
        var location = $"/api/migration/runs/{runId}/pst";
        return TypedResults.Accepted(location, new PstImportAccepted(runId, location));
    }
}
