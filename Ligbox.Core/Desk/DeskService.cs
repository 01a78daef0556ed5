using System.Text.RegularExpressions;
using System.Threading.Channels;
using Ligbox.Core.Audit;
using Ligbox.Core.Jobs;
using Ligbox.Core.Persistence;
using Ligbox.Core.Security;
using Microsoft.EntityFrameworkCore;

namespace Ligbox.Core.Desk;

/// <summary>Wakes the Desk sender when an attach is queued.</summary>
public sealed class DeskSignal
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _channel.Writer.TryWrite(true);

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            await _channel.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Timed out: time for the regular poll.
        }
    }
}

/// <summary>
/// The Desk connection (admins set it; the token is write-only and stored protected) and the queue of report
/// attachments: on demand (a technician, <see cref="RequestAttachAsync"/>) and automatically when the gate is
/// approved (<see cref="EnqueueOnApprovalAsync"/>, in the approval's own transaction). <see cref="DeskDispatcher"/> sends.
/// </summary>
public sealed partial class DeskService(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, AuditLog audit, DeskSignal signal,
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

    /// <summary>A job's attachments, newest first (or every job's, for the admin page).</summary>
    public async Task<IReadOnlyList<DeskDeliveryDto>> ListDeliveriesAsync(Guid? jobId, int take = 50, CancellationToken ct = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var q = db.Set<DeskDelivery>().AsNoTracking();
        if (jobId is { } id)
        {
            q = q.Where(d => d.JobId == id);
        }

        var rows = await q.ToListAsync(ct);
        return rows.OrderByDescending(d => d.CreatedAtUtc).Take(take).Select(DeskDeliveryDto.From).ToList();
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static DeskConnectionDto ToDto(DeskConnection c) => new(c.Enabled, c.BaseUrl, c.TokenProtected is not null, c.Method, c.PathTemplate, c.FileField,
        c.AuthHeader, c.AuthScheme, c.AttachOnApproval, c.UpdatedBy, c.UpdatedBy is null ? null : c.UpdatedAtUtc);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$")]
    private static partial Regex FieldName();

    [GeneratedRegex("^[A-Za-z0-9-]{1,100}$")]
    private static partial Regex HeaderName();
}
