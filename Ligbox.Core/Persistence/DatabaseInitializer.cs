using System.Security.Cryptography;
using Ligbox.Core.Accounts;
using Ligbox.Core.Storage;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ligbox.Core.Persistence;

/// <summary>
/// Runs before the web server accepts requests: applies the committed migrations (never
/// EnsureCreated, which could not evolve an operator's database), creates the roles, the first
/// admin and the bootstrap API token.
/// </summary>
internal sealed class DatabaseInitializer(IServiceProvider services, IOptions<LigboxOptions> options, LigboxDatabase database,
    ILogger<DatabaseInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var db = sp.GetRequiredService<LigboxDbContext>();
        // PostgreSQL: nodes starting together take turns (a session advisory lock) for the migrations, Quartz's
        // tables, the roles and the first admin, so two nodes never create the same thing at once.
        await using var startLock = database.IsPostgreSql ? await PostgreSqlStartLock.AcquireAsync(database.ConnectionString, cancellationToken) : null;
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
        if (pending.Count > 0)
        {
            logger.LogInformation("Applying {Count} database migration(s): {Migrations}", pending.Count, string.Join(", ", pending));
            await db.Database.MigrateAsync(cancellationToken);
        }

        if (database.IsPostgreSql)
        {
            await PostgreSqlStartLock.ProvisionQuartzAsync(startLock!, cancellationToken);
        }

        var roles = sp.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        await EnsureAdminAsync(sp.GetRequiredService<UserManager<AppUser>>(), sp.GetRequiredService<TimeProvider>());

        if (!string.IsNullOrWhiteSpace(options.Value.Bootstrap.ApiToken))
        {
            await sp.GetRequiredService<ApiTokenService>().EnsureBootstrapTokenAsync(options.Value.Bootstrap.ApiToken.Trim(), cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task EnsureAdminAsync(UserManager<AppUser> users, TimeProvider clock)
    {
        if ((await users.GetUsersInRoleAsync(Roles.Admin)).Count > 0)
        {
            return;
        }

        var admin = options.Value.Admin;
        var generated = string.IsNullOrWhiteSpace(admin.Password);
        var password = generated ? GeneratePassword() : admin.Password!;
        var user = await users.FindByEmailAsync(admin.Email);
        if (user is null)
        {
            user = new AppUser { UserName = admin.Email, Email = admin.Email, EmailConfirmed = true, DisplayName = "Administrator", CreatedAtUtc = clock.GetUtcNow().UtcDateTime,
                MustChangePassword = generated };
            var created = await users.CreateAsync(user, password);
            if (!created.Succeeded)
            {
                throw new InvalidOperationException("Could not create the first admin from Ligbox:Admin: " +
                    string.Join(" ", created.Errors.Select(e => e.Description)));
            }
        }

        await users.AddToRoleAsync(user, Roles.Admin);
        if (generated)
        {
            // Printed once, on the start that creates the account; it is not stored anywhere in plaintext.
            logger.LogWarning(
                "First start: created admin account {Email} with the generated password {Password} — sign in and change it, " +
                "or set Ligbox:Admin:Email and Ligbox:Admin:Password before the first start.", admin.Email, password);
        }
        else
        {
            logger.LogInformation("First start: created admin account {Email} from configuration.", admin.Email);
        }
    }

    private static string GeneratePassword()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        var chars = Enumerable.Range(0, 16).Select(_ => alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)]).ToArray();
        // Identity's default rules want a digit, an upper and a lower case letter and a symbol.
        return new string(chars) + "-7aA";
    }
}
