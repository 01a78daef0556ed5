using System.Net.Http.Headers;
using Ligbox.Core.Deliveries;
using Ligbox.Core.Persistence;
using Ligbox.Core.Reports;
using Ligbox.Core.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Desk;

/// <summary>
/// How a report is attached to the helpdesk ticket: builds the job's report and PDF at that moment and makes the
/// configured call (multipart, the PDF in the configured field, the token in the configured header). The token is
/// never logged. <see cref="DeliveryDispatcher"/> decides when and records the outcome.
/// </summary>
internal sealed class DeskChannel(SecretProtector protector, JobReportService reports, IOptions<DeskOptions> options) : IDeliveryChannel, IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = options.Value.RequestTimeout,
    };

    public string Kind => "Desk";

    public IRetrySchedule Schedule => options.Value;

    public async Task<IReadOnlyList<IOutboundDelivery>> PendingAsync(LigboxDbContext db, CancellationToken ct) =>
        await db.Set<DeskDelivery>().Where(d => d.Status == DeskDeliveryStatus.Pending).ToListAsync(ct);

    public async Task<AttemptOutcome> SendAsync(LigboxDbContext db, IOutboundDelivery item, CancellationToken ct)
    {
        var delivery = (DeskDelivery)item;
        var connection = await db.Set<DeskConnection>().AsNoTracking().SingleOrDefaultAsync(ct);
        if (connection is not { IsUsable: true })
        {
            return AttemptOutcome.Abandoned("The helpdesk connection was turned off before the report could be attached.");
        }

        try
        {
            var report = await reports.BuildInJobLanguageAsync(delivery.JobId, ct); // the PDF in the job's language (issue 16)
            var pdf = await Task.Run(() => JobReportPdf.Render(report), ct);
            var fileName = JobReportPdf.FileName(report);
            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(pdf);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(file, connection.FileField, fileName);
            using var request = new HttpRequestMessage(new HttpMethod(connection.Method), connection.AttachUrl(delivery.TicketId)) { Content = form };
            DeskService.AddToken(request, connection.AuthHeader, connection.AuthScheme, protector.Unprotect(connection.TokenProtected!));
            request.Headers.Add("X-Ligbox-Job-Id", delivery.JobId.ToString());
            using var response = await _http.SendAsync(request, ct);
            return response.IsSuccessStatusCode
                ? AttemptOutcome.Delivered((int)response.StatusCode, fileName)
                : AttemptOutcome.Failed((int)response.StatusCode, $"The helpdesk answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        catch (NotFoundException)
        {
            return AttemptOutcome.Abandoned("The job no longer exists.");
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return AttemptOutcome.Failed(null, "The stored helpdesk token cannot be read (key ring changed): an admin enters it again.");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return AttemptOutcome.Failed(null, ex is TaskCanceledException
                ? $"The helpdesk did not answer within {options.Value.RequestTimeout.TotalSeconds:0} s."
                : $"Could not reach the helpdesk: {ex.Message}");
        }
    }

    public void Failed(IOutboundDelivery delivery)
    {
    }

    public void Dispose() => _http.Dispose();
}
