using System.Net;
using Ligbox.Testing.Processes;

namespace Ligbox.Console.Tests.Webhooks;

/// <summary>A real HTTP server on a free loopback port for what the console sends (webhooks, helpdesk attachments).</summary>
public abstract class LoopbackHttpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private Task _loop = Task.CompletedTask;

    /// <summary><c>http://127.0.0.1:{port}</c>, without a trailing slash.</summary>
    public string BaseUrl { get; } = $"http://127.0.0.1:{LoopbackPort.Free()}";

    /// <summary>Starts listening under <paramref name="path"/> (starting and ending with '/'); call at the end of the constructor.</summary>
    protected void Start(string path)
    {
        _listener.Prefixes.Add(BaseUrl + path);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Reads one request and gives the status code to answer with.</summary>
    protected abstract Task<int> AnswerAsync(HttpListenerRequest request);

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

            ctx.Response.StatusCode = await AnswerAsync(ctx.Request);
            ctx.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
        GC.SuppressFinalize(this);
    }
}
