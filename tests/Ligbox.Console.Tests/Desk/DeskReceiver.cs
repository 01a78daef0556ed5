using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Ligbox.Console.Tests.Desk;

public sealed record ReceivedAttachment(string Method, string TicketId, string? Authorization, string? FileName, string? ContentType, byte[] File,
    int AnsweredWith);

/// <summary>
/// A helpdesk stand-in on real Kestrel (a free loopback port): takes multipart attachments at
/// <c>/api/tickets/{ticketId}/attachments</c> and answers with the next status of <see cref="Statuses"/> (then 201).
/// </summary>
public sealed class DeskReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DeskReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<int> Statuses { get; } = new();

    public ConcurrentQueue<ReceivedAttachment> Received { get; } = new();

    public string BaseUrl { get; private set; } = "";

    /// <summary>The Authorization header the base URL (<c>GET /</c>, "Test connection") accepts; anything else gets 401.</summary>
    public string? AcceptedAuthorization { get; set; }

    public static async Task<DeskReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new DeskReceiver(app);
        app.MapMethods("/api/tickets/{ticketId}/attachments", ["POST", "PUT"], async (string ticketId, HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var file = form.Files.GetFile("file");
            byte[] bytes = [];
            if (file is not null)
            {
                using var stream = new MemoryStream();
                await file.CopyToAsync(stream);
                bytes = stream.ToArray();
            }

            var status = receiver.Statuses.TryDequeue(out var s) ? s : 201;
            receiver.Received.Enqueue(new ReceivedAttachment(request.Method, ticketId, request.Headers.Authorization, file?.FileName, file?.ContentType, bytes, status));
            return Results.StatusCode(status);
        });
        app.MapGet("/", (HttpRequest request) =>
            receiver.AcceptedAuthorization is { } accepted && request.Headers.Authorization == accepted ? Results.Ok(new { desk = "ok" }) : Results.StatusCode(401));
        await app.StartAsync();
        receiver.BaseUrl = app.Urls.First().Replace("[::1]", "127.0.0.1", StringComparison.Ordinal);
        return receiver;
    }

    public async Task<IReadOnlyList<ReceivedAttachment>> WaitForAsync(Func<IReadOnlyList<ReceivedAttachment>, bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!done(Received.ToList()))
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"The helpdesk got {Received.Count} request(s) in {timeout}.");
            }

            await Task.Delay(50);
        }

        return Received.ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
