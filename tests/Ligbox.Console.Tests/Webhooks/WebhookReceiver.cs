using System.Collections.Concurrent;
using System.Net;

namespace Ligbox.Console.Tests.Webhooks;

public sealed record ReceivedWebhook(string Body, string? Signature, string? EventId, int AnsweredWith);

/// <summary>A real HTTP receiver on a free loopback port; answers with <see cref="StatusCode"/>.</summary>
public sealed class WebhookReceiver : LoopbackHttpReceiver
{
    public WebhookReceiver()
    {
        Url = BaseUrl + "/hook/";
        Start("/hook/");
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

    protected override async Task<int> AnswerAsync(HttpListenerRequest request)
    {
        using var reader = new StreamReader(request.InputStream);
        var body = await reader.ReadToEndAsync();
        var status = StatusCode;
        Received.Enqueue(new ReceivedWebhook(body, request.Headers["X-Ligbox-Signature"], request.Headers["X-Ligbox-Event-Id"], status));
        return status;
    }
}
