using System.Security.Claims;
using Ligbox.Console.Auth;
using Ligbox.Core.Jobs;
using Ligbox.Core.Mailboxes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ligbox.Console.Endpoints;

public static class JobsEndpoints
{
    public static IEndpointRouteBuilder MapJobsEndpoints(this IEndpointRouteBuilder app)
    {
        // Each endpoint names its own policy: a jobs:write token may write without also holding jobs:read.
        var jobs = app.MapGroup("/api/migration/jobs").RequireAuthorization().WithTags("Jobs");
        jobs.MapPost("/", CreateJob).RequireAuthorization(Policies.JobsWrite).WithName("CreateJob").WithSummary("Create a migration job (Draft).");
        jobs.MapGet("/", ListJobs).RequireAuthorization(Policies.JobsRead).WithName("ListJobs").WithSummary("List jobs with filter, paging and sorting.");
        jobs.MapGet("/{id:guid}", GetJob).RequireAuthorization(Policies.JobsRead).WithName("GetJob").WithSummary("Get one job.");
        jobs.MapPatch("/{id:guid}", UpdateJob).RequireAuthorization(Policies.JobsWrite).WithName("UpdateJob")
            .WithSummary("Change a job's settings (servers, TLS, engine, options) while it is open and no run is active; audited; revokes an approval.");
        jobs.MapPost("/{id:guid}/cancel", CancelJob).RequireAuthorization(Policies.JobsWrite).WithName("CancelJob").WithSummary("Cancel a job; all data and history are kept.");

        var mailboxes = jobs.MapGroup("/{id:guid}/mailboxes").WithTags("Mailboxes");
        mailboxes.MapPost("/", AddMailbox).RequireAuthorization(Policies.JobsWrite).WithName("AddMailbox").WithSummary("Add a mailbox pair; passwords are write-only.");
        mailboxes.MapPatch("/{mailboxId:guid}", UpdateMailbox).RequireAuthorization(Policies.JobsWrite).WithName("UpdateMailbox")
            .WithSummary("Change a mailbox's logins, passwords (write-only) or folder prefix; refused (409) while a run is active for it.");
        mailboxes.MapDelete("/{mailboxId:guid}", RemoveMailbox).RequireAuthorization(Policies.JobsWrite).WithName("RemoveMailbox")
            .WithSummary("Remove a mailbox from the job (its run history stays); refused (409) while a run is active for it.");
        mailboxes.MapPost("/{mailboxId:guid}/exclude", ExcludeMailbox).RequireAuthorization(Policies.JobsWrite).WithName("ExcludeMailbox")
            .WithSummary("Exclude a mailbox from every run and from the gate's figures, with a reason: {\"reason\":\"...\"}.");
        mailboxes.MapPost("/{mailboxId:guid}/include", IncludeMailbox).RequireAuthorization(Policies.JobsWrite).WithName("IncludeMailbox")
            .WithSummary("Take an excluded mailbox back into the job.");
        jobs.MapPost("/{id:guid}/test-connection", TestConnection).RequireAuthorization(Policies.JobsWrite).WithName("TestConnection")
            .WithSummary("Log in to the job's source and destination with the given logins/passwords (or a mailbox's stored ones) before saving; answers in plain words.");
        mailboxes.MapGet("/", ListMailboxes).RequireAuthorization(Policies.JobsRead).WithName("ListMailboxes").WithSummary("List a job's mailboxes (never with secrets).");
        mailboxes.MapPost("/import", ImportMailboxes).RequireAuthorization(Policies.JobsWrite).WithName("ImportMailboxes")
            .WithSummary("Import mailboxes from CSV (text/csv body, or multipart field 'file'); all-or-nothing. ?dryRun=true only validates.")
            .DisableAntiforgery()
            .Accepts<string>("text/csv", "text/plain", "multipart/form-data", "application/octet-stream");
        return app;
    }

    private static async Task<Created<JobDto>> CreateJob(CreateJobRequest request, JobService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var job = await service.CreateAsync(request, user.Actor(), ct);
        return TypedResults.Created($"/api/migration/jobs/{job.Id}", job);
    }

    private static async Task<Ok<PagedResult<JobDto>>> ListJobs(JobService service, string? domain, MigrationPhase? phase,
        [FromQuery(Name = "ticket")] string? ticket, string? search, int? page, int? pageSize, JobSortField? sort, string? order, CancellationToken ct)
    {
        var query = new JobListQuery
        {
            Domain = domain,
            Phase = phase,
            TicketId = ticket,
            Search = search,
            Page = page ?? 1,
            PageSize = pageSize ?? 25,
            SortBy = sort ?? JobSortField.CreatedAt,
            Descending = !string.Equals(order, "asc", StringComparison.OrdinalIgnoreCase),
        };
        return TypedResults.Ok(await service.ListAsync(query, ct));
    }

    private static async Task<Ok<JobDto>> GetJob(Guid id, JobService service, CancellationToken ct) =>
        TypedResults.Ok(await service.GetAsync(id, ct));

    private static async Task<Ok<JobDto>> UpdateJob(Guid id, UpdateJobRequest request, JobService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.UpdateAsync(id, request, user.Actor(), ct));

    private static async Task<Ok<JobDto>> CancelJob(Guid id, JobService service, ClaimsPrincipal user, CancellationToken ct, [FromBody] CancelJobRequest? request = null) =>
        TypedResults.Ok(await service.CancelAsync(id, request?.Reason, user.Actor(), ct));

    private static async Task<Created<MailboxDto>> AddMailbox(Guid id, AddMailboxRequest request, MailboxService service, ClaimsPrincipal user, CancellationToken ct)
    {
        var mailbox = await service.AddAsync(id, request, user.Actor(), ct);
        return TypedResults.Created($"/api/migration/jobs/{id}/mailboxes", mailbox);
    }

    private static async Task<Ok<MailboxDto>> UpdateMailbox(Guid id, Guid mailboxId, UpdateMailboxRequest request, MailboxService service, ClaimsPrincipal user,
        CancellationToken ct) =>
        TypedResults.Ok(await service.UpdateAsync(id, mailboxId, request, user.Actor(), ct));

    private static async Task<NoContent> RemoveMailbox(Guid id, Guid mailboxId, MailboxService service, ClaimsPrincipal user, CancellationToken ct)
    {
        await service.RemoveAsync(id, mailboxId, user.Actor(), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<MailboxDto>> ExcludeMailbox(Guid id, Guid mailboxId, ExcludeMailboxRequest? request, MailboxService service, ClaimsPrincipal user,
        CancellationToken ct) =>
        TypedResults.Ok(await service.ExcludeAsync(id, mailboxId, request?.Reason, user.Actor(), ct));

    private static async Task<Ok<MailboxDto>> IncludeMailbox(Guid id, Guid mailboxId, MailboxService service, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await service.IncludeAsync(id, mailboxId, user.Actor(), ct));

    private static async Task<Ok<ConnectionTestResult>> TestConnection(Guid id, ConnectionTestRequest request, ConnectionTestService service, CancellationToken ct) =>
        TypedResults.Ok(await service.TestAsync(id, request, ct));

    private static async Task<Ok<IReadOnlyList<MailboxDto>>> ListMailboxes(Guid id, MailboxService service, CancellationToken ct) =>
        TypedResults.Ok(await service.ListAsync(id, ct));

    private static async Task<Results<Ok<MailboxImportResult>, ProblemHttpResult>> ImportMailboxes(Guid id, HttpRequest request, MailboxService service,
        ClaimsPrincipal user, bool? dryRun, CancellationToken ct)
    {
        string csv;
        if (request.HasFormContentType)
        {
            IFormCollection form;
            try
            {
                form = await request.ReadFormAsync(ct);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException)
            {
                // A malformed multipart body (found by the malformed-input corpus: it was a 500).
                return TypedResults.Problem($"The multipart body could not be read ({ex.Message}). Send the CSV as the multipart field 'file' or as a text/csv body.",
                    statusCode: 400, title: "Malformed multipart body.");
            }

            var file = form.Files["file"] ?? form.Files.FirstOrDefault();
            if (file is null)
            {
                return TypedResults.Problem("Send the CSV as the multipart field 'file' or as a text/csv body.", statusCode: 400, title: "No CSV file in the request.");
            }

            if (file.Length > MailboxService.MaxCsvBytes)
            {
                return TooLarge();
            }

            await using var stream = file.OpenReadStream();
            if (await MailboxCsvText.ReadAsync(stream, MailboxService.MaxCsvBytes, ct) is not { } text) // strict UTF-8 (issue 12)
            {
                return TooLarge();
            }

            csv = text;
        }
        else
        {
            if (request.ContentLength > MailboxService.MaxCsvBytes)
            {
                return TooLarge();
            }

            if (await MailboxCsvText.ReadAsync(request.Body, MailboxService.MaxCsvBytes, ct) is not { } text) // strict UTF-8 (issue 12)
            {
                return TooLarge();
            }

            csv = text;
        }

        var result = await service.ImportCsvAsync(id, csv, commit: dryRun != true, user.Actor(), ct);
        if (result.Errors.Count > 0)
        {
            var problem = TypedResults.Problem(
                detail: $"{result.Errors.Count} problem(s) in the CSV; nothing was imported. Fix the lines listed in 'errors' and import the whole file again.",
                statusCode: 400,
                title: "The CSV has errors.",
                extensions: new Dictionary<string, object?>
                {
                    ["errors"] = result.Errors.Select(e => new { line = e.Line, field = e.Field, reason = e.Reason }).ToList(),
                    ["validRows"] = result.Rows.Count,
                });
            return problem;
        }

        return TypedResults.Ok(result);
    }

    private static ProblemHttpResult TooLarge() => TypedResults.Problem(
        $"The CSV is larger than {MailboxService.MaxCsvBytes / 1024 / 1024} MB; split it into smaller files.", statusCode: 413, title: "CSV too large.");
}

public sealed record CancelJobRequest(string? Reason);
