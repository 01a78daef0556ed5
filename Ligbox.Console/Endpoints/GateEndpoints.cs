using System.Security.Claims;
using Ligbox.Console.Auth;
using Ligbox.Core.Accounts;
using Ligbox.Core.Gate;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ligbox.Console.Endpoints;

/// <param name="Comment">Why; recorded in the audit trail (required).</param>
/// <param name="AcceptMissing">Approve the investigate grade: the named missing messages are accepted.</param>
/// <param name="AcceptExcluded">Approve although mailboxes are excluded from the job (they are listed in the gate's evidence).</param>
public sealed record GateDecisionRequest(string? Comment, bool AcceptMissing = false, bool AcceptExcluded = false);

/// <summary>The DNS wizard's contract (see README "Migration gate API"): lowercase words, stable field names.</summary>
public sealed record DomainGateDto(
    string Domain,
    Guid JobId,
    string Status,
    string Grade,
    double? Ratio,
    double? BytesRatio,
    IReadOnlyList<DomainGateMailboxDto> Mailboxes,
    string? ApprovedBy,
    DateTime? ApprovedAt,
    IReadOnlyList<string> Reasons);

public sealed record DomainGateMailboxDto(string Mailbox, long? SourceMessages, long? DestinationMessages, double? Ratio, string Grade, int Missing);

public static class GateEndpoints
{
    public static IEndpointRouteBuilder MapGateEndpoints(this IEndpointRouteBuilder app)
    {
        // People with any role, or a token with jobs:read or gate:read.
        var jobsOrGateRead = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireAssertion(ctx =>
            ctx.User.HasClaim(LigboxClaims.AuthKind, LigboxClaims.TokenKind)
                ? ctx.User.HasClaim(LigboxClaims.Scope, Scopes.JobsRead) || ctx.User.HasClaim(LigboxClaims.Scope, Scopes.GateRead)
                : Permissions.ManageRoles.Any(ctx.User.IsInRole)).Build();

        var jobs = app.MapGroup("/api/migration/jobs/{id:guid}").RequireAuthorization().WithTags("Gate");
        jobs.MapGet("/gate", GetGate).RequireAuthorization(jobsOrGateRead).WithName("GetGate")
            .WithSummary("The job's migration gate: state, grade, ratios per mailbox, reasons and its audit trail.");
        jobs.MapPost("/approve-gate", ApproveGate).RequireAuthorization(Policies.GateApprove).WithName("ApproveGate")
            .WithSummary("Approve the gate (ops_lead/admin or gate:approve). A comment is required; acceptMissing for the investigate grade.");
        jobs.MapPost("/revoke-gate", RevokeGate).RequireAuthorization(Policies.GateApprove).WithName("RevokeGate")
            .WithSummary("Revoke an approved gate, with a comment.");

        app.MapGet("/api/migration/gate", GetDomainGate).RequireAuthorization(Policies.GateRead).WithTags("Gate").WithName("GetDomainGate")
            .WithSummary("The DNS wizard's check: the gate of the domain's most recent non-cancelled job (stable contract).");
        return app;
    }

    private static async Task<Ok<GateView>> GetGate(Guid id, GateService gates, CancellationToken ct) =>
        TypedResults.Ok(await gates.GetAsync(id, ct));

    private static async Task<Ok<GateView>> ApproveGate(Guid id, GateDecisionRequest? request, GateService gates, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await gates.ApproveAsync(id, user.Actor(), request?.Comment, request?.AcceptMissing ?? false, request?.AcceptExcluded ?? false, ct));

    private static async Task<Ok<GateView>> RevokeGate(Guid id, GateDecisionRequest? request, GateService gates, ClaimsPrincipal user, CancellationToken ct) =>
        TypedResults.Ok(await gates.RevokeAsync(id, user.Actor(), request?.Comment, ct));

    private static async Task<Results<Ok<DomainGateDto>, ProblemHttpResult>> GetDomainGate(string? domain, GateService gates, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            return TypedResults.Problem("Pass the domain: /api/migration/gate?domain=example.com", statusCode: StatusCodes.Status400BadRequest,
                title: "The request has invalid fields.");
        }

        var view = await gates.FindByDomainAsync(domain, ct);
        if (view is null)
        {
            return TypedResults.Problem($"No migration job exists for the domain {domain.Trim()}.", statusCode: StatusCodes.Status404NotFound,
                title: "Not found.");
        }

        var r = view.Result;
        return TypedResults.Ok(new DomainGateDto(view.Domain, view.JobId, Word(view.State), Word(r.Grade), r.Ratio, r.BytesRatio,
            r.Mailboxes.Select(m => new DomainGateMailboxDto(m.Login, m.SourceMessages, m.DestinationMessages, m.Ratio, Word(m.Grade), m.MissingCount)).ToList(),
            view.ApprovedBy, view.ApprovedAtUtc, Reasons(view)));
    }

    /// <summary>Why the gate is as it is: first why an approval no longer holds, then the figures' reasons.</summary>
    private static List<string> Reasons(GateView view)
    {
        var reasons = view.RevokeReasons.Select(r => "Not approved any more: " + r + ".").ToList();
        if (view.State is GateState.Revoked or GateState.Blocked && view.RevokeReasons.Count == 0 && view.DecidedBy is not null && view.Comment is { } comment)
        {
            reasons.Add($"Revoked by {view.DecidedBy}: {comment}");
        }

        reasons.AddRange(view.Result.Reasons);
        return reasons;
    }

    private static string Word<T>(T value) where T : Enum => value.ToString().ToLowerInvariant();
}
