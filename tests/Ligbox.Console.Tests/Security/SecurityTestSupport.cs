using System.Net;
using System.Text.RegularExpressions;
using Ligbox.Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Ligbox.Console.Tests.Security;

/// <summary>A console with extra settings (and optionally another environment), for the security tests.</summary>
public class SecurityAppFactory(IDictionary<string, string?> extra, string? environment = null) : LigboxAppFactory
{
    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = new Dictionary<string, string?>(base.Settings);
            foreach (var (key, value) in extra)
            {
                settings[key] = value;
            }

            return settings;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (environment is not null)
        {
            builder.UseEnvironment(environment);
        }
    }

    /// <summary>One request as if it came from <paramref name="remote"/> (TestServer lets the test set the connection).</summary>
    public Task<HttpContext> SendFromAsync(IPAddress remote, string method, string path, Action<HttpContext>? configure = null) =>
        Server.SendAsync(context =>
        {
            context.Connection.RemoteIpAddress = remote;
            context.Request.Method = method;
            context.Request.Path = path;
            configure?.Invoke(context);
        });

    public static string AntiforgeryToken(string html) =>
        Regex.Match(html, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
}
