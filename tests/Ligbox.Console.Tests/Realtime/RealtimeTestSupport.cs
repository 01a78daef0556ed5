using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Ligbox.Console.Realtime;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ligbox.Console.Tests.Realtime;

/// <summary>Real SignalR clients of <c>/hubs/runs</c> and what they receive.</summary>
internal static class RealtimeTestSupport
{
    public static Uri HubUrl(Uri server, string? query = null) => new(server, "hubs/runs" + query);

    /// <summary>A hub connection that sends the token as <c>Authorization: Bearer</c> (the .NET client's way).</summary>
    public static HubConnection Bearer(Uri server, string token) => Build(HubUrl(server), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token));

    /// <summary>A WebSocket-only connection with the token in the query string, as browsers must send it.</summary>
    public static HubConnection QueryToken(Uri server, string token) => Build(HubUrl(server, "?access_token=" + Uri.EscapeDataString(token)), o =>
    {
        o.SkipNegotiation = true;
        o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
    });

    public static HubConnection Cookies(Uri server, CookieContainer cookies) => Build(HubUrl(server), o => o.Cookies = cookies);

    public static HubConnection Anonymous(Uri server) => Build(HubUrl(server), _ => { });

    private static HubConnection Build(Uri url, Action<Microsoft.AspNetCore.Http.Connections.Client.HttpConnectionOptions> configure) =>
        new HubConnectionBuilder()
            .WithUrl(url, configure)
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();

    /// <summary>Signs in through the real login form and returns the cookies (auth cookie included).</summary>
    public static async Task<CookieContainer> SignInAsync(Uri server, string email, string password)
    {
        var cookies = new CookieContainer();
        using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = server };
        var form = await client.GetStringAsync("/account/login");
        var token = Regex.Match(form, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
        using var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["email"] = email,
            ["password"] = password,
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = token,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Contains(cookies.GetAllCookies(), c => c.Name == "ligbox.auth");
        return cookies;
    }
}

/// <summary>Everything one hub client receives, with the time each message arrived.</summary>
internal sealed class HubRecorder
{
    private readonly Lock _lock = new();

    public HubRecorder(HubConnection connection)
    {
        connection.On<RunUpdateMessage>("RunUpdate", m =>
        {
            lock (_lock)
            {
                Updates.Add((DateTime.UtcNow, m));
            }
        });
        connection.On<RunStatusMessage>("RunStatus", m =>
        {
            lock (_lock)
            {
                Statuses.Add((DateTime.UtcNow, m));
            }
        });
    }

    public List<(DateTime At, RunUpdateMessage Message)> Updates { get; } = [];
    public List<(DateTime At, RunStatusMessage Message)> Statuses { get; } = [];

    /// <summary>Log lines of the run in the order received, pushes overlapping the snapshot skipped by Seq.</summary>
    public List<Ligbox.Core.Runs.RunLogLine> Lines(Guid runId, IEnumerable<Ligbox.Core.Runs.RunLogLine>? snapshot = null)
    {
        lock (_lock)
        {
            var lines = new List<Ligbox.Core.Runs.RunLogLine>(snapshot ?? []);
            foreach (var line in Updates.Where(u => u.Message.RunId == runId).SelectMany(u => u.Message.Lines))
            {
                if (lines.Count == 0 || line.Seq > lines[^1].Seq)
                {
                    lines.Add(line);
                }
            }

            return lines;
        }
    }

    public async Task WaitForStatusAsync(Guid runId, Ligbox.Core.Runs.RunStatus status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!HasStatus(runId, status))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No {status} for run {runId}; got: {string.Join(", ", Statuses.Select(s => s.Message.Status))}");
            }

            await Task.Delay(50);
        }
    }

    private bool HasStatus(Guid runId, Ligbox.Core.Runs.RunStatus status)
    {
        lock (_lock)
        {
            return Statuses.Any(s => s.Message.RunId == runId && s.Message.Status == status);
        }
    }
}

/// <summary>Keeps every log message of the host, to prove what never appears in them.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Messages);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
