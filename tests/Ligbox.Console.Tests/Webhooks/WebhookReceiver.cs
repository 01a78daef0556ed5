using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Ligbox.Console.Tests.Webhooks;

public sealed record ReceivedWebhook(string Body, string? Signature, string? EventId, int AnsweredWith);

/// <summary>A real HTTP receiver on a free loopback port; answers with <see cref="StatusCode"/>.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public WebhookReceiver()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Url = $"http://127.0.0.1:{port}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public string Url { get; }

    public int StatusCode { get; set; } = 200;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> done, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!done(Received.ToList()))
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Receiver got {Received.Count} request(s) in {timeout}.");
            }

            await Task.Delay(50);
        }

        return Received.ToList();
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext ctx;
            try
            {
                ctx = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(ctx.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            var status = StatusCode;
            Received.Enqueue(new ReceivedWebhook(body, ctx.Request.Headers["X-Ligbox-Signature"], ctx.Request.Headers["X-Ligbox-Event-Id"], status));
            ctx.Response.StatusCode = status;
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
