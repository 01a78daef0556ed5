using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Ligbox.Core.Persistence;

/// <summary>Used only by <c>dotnet ef</c>; keeps design time free of the app's start-up side effects.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<LigboxDbContext>
{
    public LigboxDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<LigboxDbContext>().UseSqlite("Data Source=design-time.db").Options);
}
