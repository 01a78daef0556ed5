using System.Net.Http.Headers;
using Ligbox.Core.Persistence;
using Ligbox.Core.Reports;
using Ligbox.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Desk;

/// <summary>
/// Sends due report attachments to the helpdesk: builds the job's report and PDF at that moment and makes the
/// configured call (multipart, the PDF in the configured field, the token in the configured header). A failure is
/// retried with a growing delay; every attempt is recorded on the delivery. The token is never logged.
/// </summary>
internal sealed class DeskDispatcher(IDbContextFactory<LigboxDbContext> dbFactory, SecretProtector protector, JobReportService reports, DeskSignal signal,
    IOptions<DeskOptions> options, TimeProvider clock, ILogger<DeskDispatcher> logger) : BackgroundService
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = options.Value.RequestTimeout,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = await SendDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "The helpdesk sender failed; retrying after the poll interval.");
                wait = options.Value.PollInterval;
            }

            await signal.WaitAsync(wait, stoppingToken);
        }
    }

    private async Task<TimeSpan> SendDueAsync(CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var now = clock.GetUtcNow().UtcDateTime;
        var pending = await db.Set<DeskDelivery>().Where(d => d.Status == DeskDeliveryStatus.Pending).ToListAsync(ct);
        if (pending.Count == 0)
        {
            return options.Value.PollInterval;
        }

        var connection = await db.Set<DeskConnection>().AsNoTracking().SingleOrDefaultAsync(ct);
        foreach (var delivery in pending.Where(d => d.NextAttemptAtUtc <= now).OrderBy(d => d.CreatedAtUtc))
        {
            if (connection is not { IsUsable: true })
            {
                delivery.Abandon("The helpdesk connection was turned off before the report could be attached.", now);
            }
            else
            {
                await SendAsync(delivery, connection, ct);
            }

            await db.SaveChangesAsync(ct);
        }

        now = clock.GetUtcNow().UtcDateTime;
        var next = pending.Where(d => d.Status == DeskDeliveryStatus.Pending && d.NextAttemptAtUtc is not null)
            .Select(d => d.NextAttemptAtUtc!.Value - now).DefaultIfEmpty(options.Value.PollInterval).Min();
        return next < TimeSpan.Zero ? TimeSpan.Zero : next > options.Value.PollInterval ? options.Value.PollInterval : next;
    }

    private async Task SendAsync(DeskDelivery delivery, DeskConnection connection, CancellationToken ct)
    {
        var url = connection.AttachUrl(delivery.TicketId);
        try
        {
            var report = await reports.BuildAsync(delivery.JobId, ct);
            var pdf = await Task.Run(() => JobReportPdf.Render(report), ct);
            var fileName = JobReportPdf.FileName(report);
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(pdf);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(file, connection.FileField, fileName);
            using var request = new HttpRequestMessage(new HttpMethod(connection.Method), url) { Content = form };
            var token = protector.Unprotect(connection.TokenProtected!);
            request.Headers.TryAddWithoutValidation(connection.AuthHeader, connection.AuthScheme.Length == 0 ? token : $"{connection.AuthScheme} {token}");
            request.Headers.Add("X-Ligbox-Job-Id", delivery.JobId.ToString());
            using var response = await _http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode)
            {
                delivery.Succeeded((int)response.StatusCode, fileName, clock.GetUtcNow().UtcDateTime);
                logger.LogInformation("Report of job {Job} attached to ticket {Ticket} ({Url}): attempt {Attempt}, {Status}.",
                    delivery.JobId, delivery.TicketId, url, delivery.Attempts, (int)response.StatusCode);
                return;
            }

            delivery.AttemptFailed((int)response.StatusCode, $"The helpdesk answered {(int)response.StatusCode} {response.ReasonPhrase}.",
                clock.GetUtcNow().UtcDateTime, options.Value);
        }
        catch (NotFoundException)
        {
            delivery.Abandon("The job no longer exists.", clock.GetUtcNow().UtcDateTime);
            return;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Security.Cryptography.CryptographicException && !ct.IsCancellationRequested)
        {
            delivery.AttemptFailed(null, ex is System.Security.Cryptography.CryptographicException
                ? "The stored helpdesk token cannot be read (key ring changed): an admin enters it again."
                : ex.Message, clock.GetUtcNow().UtcDateTime, options.Value);
        }

        logger.LogWarning("Report of job {Job} to ticket {Ticket} ({Url}): attempt {Attempt} failed ({Error}); {Next}.",
            delivery.JobId, delivery.TicketId, url, delivery.Attempts, delivery.LastError,
            delivery.Status == DeskDeliveryStatus.Failed ? "giving up" : $"next attempt at {delivery.NextAttemptAtUtc:O}");
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
