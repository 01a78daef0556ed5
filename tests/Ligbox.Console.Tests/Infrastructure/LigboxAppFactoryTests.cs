using System.Net;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Tests.Infrastructure;

public class LigboxAppFactoryTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>
{
    [Fact]
    public async Task SignsInUserWithRole_WhenCreatedThroughHelper()
    {
        await app.CreateUserAsync("tech1@ligbox.test", Roles.Technician);
        using var client = await app.SignInAsync("tech1@ligbox.test", LigboxAppFactory.DefaultPassword);

        using var response = await client.GetAsync("/api/migration/jobs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RedirectsToLogin_WhenAnonymous()
    {
        using var client = app.CreateClient();

        using var response = await client.GetAsync("/migration/jobs");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/login", response.Headers.Location?.PathAndQuery);
    }

    [Fact]
    public async Task AcceptsBearerToken_WhenCreatedThroughHelper()
    {
        var secret = await app.CreateTokenAsync(Scopes.JobsRead);
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", secret);

        using var response = await client.GetAsync("/api/migration/jobs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
