using System.Text.RegularExpressions;
using Ligbox.Core.Audit;
using Ligbox.Core.Deliveries;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Desk;

/// <summary>
/// The Desk connection (admins set it; the token is write-only and stored protected) and the queue of report
/// attachments: on demand (a technician, <see cref="RequestAttachAsync"/>) and automatically when the gate is
/// approved (<see cref="EnqueueOnApprovalAsync"/>, in the approval's own transaction). <see cref="DeliveryDispatcher"/> sends (<see cref="DeskChannel"/>).
/// </summary>
public sealed partial class DeskService(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, AuditLog audit, DeliverySignal signal,
    TimeProvider clock)
{
    public const string TriggerManual = "manual";
    public const string TriggerGateApproved = "gate_approved";

    public async Task<DeskConnectionDto> GetConnectionAsync(CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Set<DeskConnection>().AsNoTracking().SingleOrDefaultAsync(ct) ?? new DeskConnection(default);
        return ToDto(row);
    }

    public async Task<DeskConnectionDto> SaveConnectionAsync(DeskSettings settings, string by, CancellationToken ct = default)
    {
        await RightsGuard.RequireAsync(dbFactory, Right.Admin, ct);
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new Dictionary<string, List<string>>();
        var baseUrl = settings.BaseUrl?.Trim() ?? "";
        if (baseUrl.Length > 0 && (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0))
        {
            errors.Add("baseUrl", "Enter the helpdesk's absolute http:// or https:// address, without a query (https://desk.example.com).");
        }

        if (settings.Enabled && baseUrl.Length == 0)
        {
            errors.Add("baseUrl", "Enter the helpdesk's address to turn the connection on.");
        }

        if (settings.Method?.Trim().ToUpperInvariant() is not ("POST" or "PUT"))
        {
            errors.Add("method", "The attach call is a POST or a PUT.");
        }

        var path = settings.PathTemplate?.Trim() ?? "";
        if (!path.StartsWith('/') || !path.Contains("{ticketId}", StringComparison.Ordinal) || path.Any(char.IsWhiteSpace))
        {
            errors.Add("pathTemplate", "The path starts with / and contains {ticketId}, e.g. /api/tickets/{ticketId}/attachments.");
        }

        if (!FieldName().IsMatch(settings.FileField ?? ""))
        {
            errors.Add("fileField", "The file's form field is a name of letters, digits, '-' or '_' (e.g. file).");
        }

        if (!HeaderName().IsMatch(settings.AuthHeader ?? ""))
        {
            errors.Add("authHeader", "The token's header is a header name (e.g. Authorization or X-Api-Key).");
        }

        if ((settings.AuthScheme ?? "").Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            errors.Add("authScheme", "The scheme is one word (Bearer, Token) or empty.");
        }

        if (settings.Token is { Length: > 0 } token && token.Any(char.IsControl))
        {
            errors.Add("token", "The token cannot contain line breaks or control characters.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var row = await db.Set<DeskConnection>().SingleOrDefaultAsync(ct);
        if (settings.Enabled && settings.Token is null or "" && row?.TokenProtected is null)
        {
            errors.Add("token", "Enter the helpdesk's API token to turn the connection on.");
        }

        ValidationFailedException.ThrowIfAny(errors);
        if (row is null)
        {
            row = new DeskConnection(Now);
            db.Add(row);
        }

        var replace = settings.Token is not null;
        row.Update(settings with { BaseUrl = baseUrl }, settings.Token is { Length: > 0 } t ? protector.Protect(t.Trim()) : null, replace, by, Now);
        audit.Add(db, by, "desk.updated", "DeskConnection", DeskConnection.SingletonId,
            new { row.Enabled, row.BaseUrl, row.Method, row.PathTemplate, tokenChanged = replace });
        await db.SaveChangesAsync(ct);
        return ToDto(row);
    }

    /// <summary>Queues the attachment of the job's report to its ticket now (the button and the API).</summary>
    /// <exception cref="DomainException">The job has no ticket, or the Desk connection is off.</exception>
    public async Task<DeskDeliveryDto> RequestAttachAsync(Guid jobId, string by, CancellationToken ct = default)
    {
        await RightsGuard.RequireAsync(dbFactory, Right.ManageMigration, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var job = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct) ?? throw new NotFoundException("Job", jobId);
        if (job.TicketId is null)
        {
            throw new DomainException("The job has no ticket: set its ticket id in the job's settings first.");
        }

        var connection = await db.Set<DeskConnection>().AsNoTracking().SingleOrDefaultAsync(ct);
        if (connection is not { IsUsable: true })
        {
            throw new DomainException("The helpdesk connection is not set up or is turned off: an admin sets it on /admin/desk.");
        }

        var delivery = new DeskDelivery(job.Id, job.TicketId, TriggerManual, by, Now);
        db.Add(delivery);
        audit.Add(db, by, "report.attach_requested", "Job", job.Id, new { ticketId = job.TicketId }, job.Id);
        await db.SaveChangesAsync(ct);
        signal.Wake();
        return DeskDeliveryDto.From(delivery);
    }

    /// <summary>
    /// Adds the automatic attachment to the approval's own context (it commits with the approval, or not at all).
    /// Nothing when the job has no ticket or the connection is off or not set to attach on approval. Call <see cref="Wake"/> after saving.
    /// </summary>
    public async Task EnqueueOnApprovalAsync(LigboxDbContext db, MigrationJob job, string approvedBy, CancellationToken ct = default)
    {
        if (job.TicketId is null)
        {
            return;
        }

        var connection = await db.Set<DeskConnection>().AsNoTracking().SingleOrDefaultAsync(ct);
        if (connection is { IsUsable: true, AttachOnApproval: true })
        {
            db.Add(new DeskDelivery(job.Id, job.TicketId, TriggerGateApproved, approvedBy, Now));
        }
    }

    public void Wake() => signal.Wake();

    /// <summary>A job's attachments, newest first (or every job's, for the admin page: only admins see every job's).</summary>
    public async Task<IReadOnlyList<DeskDeliveryDto>> ListDeliveriesAsync(Guid? jobId, int take = 50, CancellationToken ct = default)
    {
        if (jobId is null)
        {
            await RightsGuard.RequireAsync(dbFactory, Right.Admin, ct);
        }

        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Set<DeskDelivery>().AsNoTracking();
        if (jobId is { } id)
        {
            q = q.Where(d => d.JobId == id);
        }

        var rows = await (from d in q
                          join j in db.Jobs.AsNoTracking() on d.JobId equals j.Id
                          select new { d, j.Domain }).ToListAsync(ct);
        return rows.OrderByDescending(r => r.d.CreatedAtUtc).Take(take).Select(r => DeskDeliveryDto.From(r.d, r.Domain)).ToList();
    }

    /// <summary>
    /// "Retry now" (the admin page and <c>POST /api/admin/desk/deliveries/{id}/retry</c>): a failed attachment, or one
    /// waiting for its next attempt, goes out at once through the one delivery sender.
    /// </summary>
    /// <exception cref="DomainException">It is already attached, the connection is off, or it changed meanwhile.</exception>
    public async Task<DeskDeliveryDto> RetryDeliveryAsync(Guid deliveryId, string by, CancellationToken ct = default)
    {
        await RightsGuard.RequireAsync(dbFactory, Right.Admin, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var delivery = await db.Set<DeskDelivery>().SingleOrDefaultAsync(d => d.Id == deliveryId, ct) ?? throw new NotFoundException("Desk delivery", deliveryId);
        var connection = await db.Set<DeskConnection>().AsNoTracking().SingleOrDefaultAsync(ct);
        if (connection is not { IsUsable: true })
        {
            throw new DomainException("The helpdesk connection is not set up or is turned off: set it up (or turn it on) first.");
        }

        delivery.RetryNow(Now);
        audit.Add(db, by, "report.attach_retried", "DeskDelivery", delivery.Id, new { ticketId = delivery.TicketId }, delivery.JobId);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw new DomainException("This attachment changed while you asked (an attempt was just recorded): look at it again and retry.");
        }

        signal.Wake();
        var domain = await db.Jobs.AsNoTracking().Where(j => j.Id == delivery.JobId).Select(j => j.Domain).SingleOrDefaultAsync(ct);
        return DeskDeliveryDto.From(delivery, domain);
    }

    /// <summary>
    /// "Test connection": calls the configured helpdesk's base URL (GET) with the stored token in the configured
    /// header, and says in words whether it answered and took the token. Nothing is saved or sent to a ticket; the
    /// answer never contains the token.
    /// </summary>
    public async Task<DeskTestResult> TestConnectionAsync(CancellationToken ct = default)
    {
        await RightsGuard.RequireAsync(dbFactory, Right.Admin, ct);
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var connection = await db.Set<DeskConnection>().AsNoTracking().SingleOrDefaultAsync(ct);
        if (connection is null || connection.BaseUrl.Length == 0)
        {
            return new DeskTestResult(false, DeskTestOutcome.NoAddress, null, null, null,
                "No helpdesk address is saved yet: enter the base URL and the token, save, then test.");
        }

        if (connection.TokenProtected is null)
        {
            return new DeskTestResult(false, DeskTestOutcome.NoToken, null, connection.BaseUrl, null,
                "No token is saved yet: enter the helpdesk's API token, save, then test.");
        }

        string token;
        try
        {
            token = protector.Unprotect(connection.TokenProtected);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return new DeskTestResult(false, DeskTestOutcome.TokenUnreadable, null, connection.BaseUrl, null,
                "The stored token cannot be read (the key ring changed): enter the token again and save.");
        }

        var address = connection.BaseUrl + "/";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(address));
        AddToken(request, connection.AuthHeader, connection.AuthScheme, token);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TestTimeout);
            using var response = await TestClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            var code = (int)response.StatusCode;
            var answer = $"{code} {response.ReasonPhrase}".Trim();
            var (ok, outcome, words) = code switch
            {
                401 or 403 => (false, DeskTestOutcome.TokenRefused, "it refused the token. Check the token, its header and its scheme."),
                >= 200 and < 400 => (true, DeskTestOutcome.Accepted, "it is reachable and accepted the token."),
                404 => (true, DeskTestOutcome.ReachableNotRefused, "it is reachable and did not refuse the token; check that the address is the helpdesk's."),
                >= 500 => (false, DeskTestOutcome.HelpdeskError, "the helpdesk has a problem of its own; try again later."),
                _ => (false, DeskTestOutcome.UnexpectedAnswer, "check that the address is the helpdesk's."),
            };
            return new DeskTestResult(ok, outcome, code, address, answer, $"The helpdesk at {address} answered {answer}: {words}");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            var seconds = TestTimeout.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
            return new DeskTestResult(false, DeskTestOutcome.TimedOut, null, address, seconds, $"The helpdesk at {address} did not answer within {seconds} s.");
        }
        catch (HttpRequestException ex)
        {
            return new DeskTestResult(false, DeskTestOutcome.Unreachable, null, address, ex.Message, $"Could not reach the helpdesk at {address}: {ex.Message}");
        }
    }

    /// <summary>Puts the token in the configured header, after the scheme when there is one (never logged).</summary>
    internal static void AddToken(HttpRequestMessage request, string header, string scheme, string token) =>
        request.Headers.TryAddWithoutValidation(header, scheme.Length == 0 ? token : $"{scheme} {token}");

    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(15);

    // One client for the whole process (the test is rare; a client per call would leak sockets).
    private static readonly HttpClient TestClient = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static DeskConnectionDto ToDto(DeskConnection c) => new(c.Enabled, c.BaseUrl, c.TokenProtected is not null, c.Method, c.PathTemplate, c.FileField,
        c.AuthHeader, c.AuthScheme, c.AttachOnApproval, c.UpdatedBy, c.UpdatedBy is null ? null : c.UpdatedAtUtc);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex FieldName();

    [GeneratedRegex("^[A-Za-z0-9-]{1,100}$")]
    private static partial Regex HeaderName();
}
