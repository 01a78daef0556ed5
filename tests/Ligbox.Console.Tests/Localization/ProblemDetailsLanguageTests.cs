using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ligbox.Console.Tests.Infrastructure;
using Ligbox.Core.Accounts;

namespace Ligbox.Console.Tests.Localization;

/// <summary>
/// The API's problem details (issue 16): <c>detail</c> follows Accept-Language (pt → Portuguese), while <c>type</c>,
/// <c>title</c> and the field names of <c>errors</c> stay English, for an API token's client.
/// </summary>
public class ProblemDetailsLanguageTests(LigboxAppFactory app) : IClassFixture<LigboxAppFactory>
{
    private async Task<HttpClient> ClientAsync(string? acceptLanguage)
    {
        var client = await app.CreateTokenClientAsync(Scopes.JobsRead, Scopes.JobsWrite);
        if (acceptLanguage is not null)
        {
            client.DefaultRequestHeaders.AcceptLanguage.Add(StringWithQualityHeaderValue.Parse(acceptLanguage));
        }

        return client;
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static object InvalidJob => new { domain = "not a domain", source = new { host = "", port = 0 }, destination = new { host = "ok.example.com", port = 993 } };

    [Fact]
    public async Task AValidationProblem_HasItsDetailInPortuguese_AndItsContractInEnglish()
    {
        var english = await ProblemAsync(await (await ClientAsync(null)).PostAsJsonAsync("/api/migration/jobs", InvalidJob), HttpStatusCode.BadRequest);
        var portuguese = await ProblemAsync(await (await ClientAsync("pt-PT")).PostAsJsonAsync("/api/migration/jobs", InvalidJob), HttpStatusCode.BadRequest);

        Assert.Equal("Correct the fields listed in 'errors' and send the request again.", english.GetProperty("detail").GetString());
        Assert.Equal("Corrija os campos indicados em 'errors' e volte a enviar.", portuguese.GetProperty("detail").GetString());
        Assert.Equal(english.GetProperty("type").GetString(), portuguese.GetProperty("type").GetString());
        Assert.Equal("The request has invalid fields.", portuguese.GetProperty("title").GetString());
        Assert.True(portuguese.GetProperty("errors").TryGetProperty("source.host", out _));
    }

    [Theory]
    [InlineData("pt-PT")]
    [InlineData("pt-BR")]
    public async Task ANotFoundProblem_SaysItInPortuguese(string acceptLanguage)
    {
        var id = Guid.NewGuid();
        var english = await ProblemAsync(await (await ClientAsync("en-US")).GetAsync($"/api/migration/jobs/{id}"), HttpStatusCode.NotFound);
        var portuguese = await ProblemAsync(await (await ClientAsync(acceptLanguage)).GetAsync($"/api/migration/jobs/{id}"), HttpStatusCode.NotFound);

        Assert.Equal($"Job {id} was not found.", english.GetProperty("detail").GetString());
        Assert.Equal($"Não existe: migração {id}.", portuguese.GetProperty("detail").GetString());
        Assert.Equal(english.GetProperty("type").GetString(), portuguese.GetProperty("type").GetString());
        Assert.Equal(english.GetProperty("title").GetString(), portuguese.GetProperty("title").GetString());
    }

    [Fact]
    public async Task AConflictProblem_SaysAKnownRefusalInPortuguese()
    {
        var client = await ClientAsync("pt-PT");
        using var created = await client.PostAsJsonAsync("/api/migration/jobs", new
        {
            domain = $"pt-{Guid.NewGuid():N}.example.com",
            source = new { host = "imap.old.example.com", port = 993, security = "Ssl" },
            destination = new { host = "mail.ligbox.example", port = 143, security = "StartTls" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        using (var first = await client.PostAsJsonAsync($"/api/migration/jobs/{id}/cancel", new { reason = "teste" }))
        {
            Assert.True(first.IsSuccessStatusCode, await first.Content.ReadAsStringAsync());
        }

        var again = await ProblemAsync(await client.PostAsJsonAsync($"/api/migration/jobs/{id}/cancel", new { reason = "teste" }), HttpStatusCode.Conflict);
        Assert.Equal("A migração já está cancelada.", again.GetProperty("detail").GetString());
        Assert.Equal("The request conflicts with the current state.", again.GetProperty("title").GetString());
    }
}
