using Ligbox.Console.Auth;
using Ligbox.Core.Zimbra;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

/// <summary>Body of <c>POST /jobs/{id}/zimbra-ssh/probe</c>.</summary>
public sealed record ZimbraSshProbeBody(string Host, int Port = 22);

/// <summary>The host key to confirm.</summary>
public sealed record ZimbraSshProbeResult(string HostKeySha256);

/// <summary>A job's Zimbra server over SSH and the export runs that use it.</summary>
public static class ZimbraSshEndpoints
{
    public static IEndpointRouteBuilder MapZimbraSshEndpoints(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/migration/jobs/{id:guid}").RequireAuthorization().WithTags("Zimbra import");
        jobs.MapPost("/zimbra-ssh/probe", Probe).RequireAuthorization(Policies.JobsWrite)
            .WithName("ProbeZimbraSsh").WithSummary("Connects to the SSH server and returns its host key fingerprint (SHA256:...) for the technician to confirm; nothing is stored.");
        jobs.MapPut("/zimbra-ssh", Save).RequireAuthorization(Policies.JobsWrite)
            .WithName("SaveZimbraSsh").WithSummary("Sets the job's Zimbra server over SSH: host, port, user, privateKey or password (stored encrypted, never returned), the confirmed hostKeySha256, zmmailbox path.");
        jobs.MapGet("/zimbra-ssh", Get).RequireAuthorization(Policies.JobsRead)
            .WithName("GetZimbraSsh").WithSummary("The job's Zimbra server over SSH, without secrets; 404 when it has none.");
        jobs.MapDelete("/zimbra-ssh", Remove).RequireAuthorization(Policies.JobsWrite)
            .WithName("RemoveZimbraSsh").WithSummary("Forgets the job's Zimbra server over SSH (key and password included): 204; 404 when it has none.");
        jobs.MapPost("/mailboxes/{mailboxId:guid}/zimbra-export", StartExport).RequireAuthorization(Policies.JobsWrite)
            .WithName("StartZimbraExport").WithSummary("Streams zmmailbox getRestURL \"//?fmt=tgz\" of the account (default the mailbox's source login; optional query for a delta window) over SSH into the mailbox: 202 with the TGZ run.");
        jobs.MapPost("/zimbra-export-all", StartExportAll).RequireAuthorization(Policies.JobsWrite)
            .WithName("StartZimbraExportAll").WithSummary("Export all: one export over SSH per mailbox of the job (not excluded; the source login as the account), each a TGZ run; onlyWithoutImport (default true) leaves out mailboxes with a Zimbra import that succeeded; a mailbox with one queued or running is always left out. 202 with queued (mailboxId, account, runId) and skipped (with the reason).");
        return app;
    }

    private static async Task<Accepted<ZimbraExportBatch>> StartExportAll(Guid id, ZimbraExportAll body, ZimbraSshService service,
        System.Security.Claims.ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Accepted($"/api/migration/jobs/{id}/runs", await service.StartExportAllAsync(id, body, user.Actor(), ct));

    private static async Task<Ok<ZimbraSshProbeResult>> Probe(Guid id, ZimbraSshProbeBody body, ZimbraSshService service, CancellationToken ct) =>
        TypedResults.Ok(new ZimbraSshProbeResult(await service.ProbeHostKeyAsync(id, body.Host, body.Port, ct)));

    private static async Task<Ok<ZimbraSshSettingsView>> Save(Guid id, ZimbraSshSettingsInput body, ZimbraSshService service, System.Security.Claims.ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.SaveAsync(id, body, user.Actor(), ct));

    private static async Task<Results<Ok<ZimbraSshSettingsView>, NotFound>> Get(Guid id, ZimbraSshService service, CancellationToken ct) =>
        await service.GetAsync(id, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> Remove(Guid id, ZimbraSshService service, System.Security.Claims.ClaimsPrincipal user, CancellationToken ct) =>
        await service.RemoveAsync(id, user.Actor(), ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<Accepted<PstImportAccepted>> StartExport(Guid id, Guid mailboxId, ZimbraExportStart body, ZimbraSshService service,
        System.Security.Claims.ClaimsPrincipal user, CancellationToken ct)
    {
        var runId = await service.StartExportAsync(id, mailboxId, body, user.Actor(), ct);
        var location = $"/api/migration/runs/{runId}/tgz";
        return TypedResults.Accepted(location, new PstImportAccepted(runId, location));
    }
}
