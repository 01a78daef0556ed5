using System.Net;
using System.Text.RegularExpressions;
using Ligbox.Console.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

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

    /// <summary>
    /// Builds and starts the console as <c>Program</c> does, with this factory's settings and environment, and
    /// returns the error that stopped it (the test fails if it starts). WebApplicationFactory is not used for
    /// this: when the app's own start fails fast, the factory can reach the app's services after the app has
    /// disposed them, and reports an ObjectDisposedException in place of the error.
    /// </summary>
    public async Task<Exception> StartFailureAsync()
    {
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions
            {
                EnvironmentName = environment ?? "Development",
                ApplicationName = typeof(Program).Assembly.GetName().Name,
            });
            builder.Configuration.AddInMemoryCollection(Settings);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            await using var app = builder.BuildLigboxConsole();
            await app.StartAsync();
            await app.StopAsync();
        }
        catch (Exception error)
        {
            return error;
        }

        throw new Xunit.Sdk.XunitException("The console started; it should have refused.");
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
