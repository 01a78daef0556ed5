using Ligbox.Core.Tests.Accounts;
using Ligbox.Core.Tests.Dashboard;
using Ligbox.Core.Tests.Jobs;
using Ligbox.Core.Tests.Mailboxes;
using Ligbox.Core.Tests.Runs;
using Ligbox.Core.Tests.Security;
using Ligbox.Core.Tests.Sync;
using Ligbox.Testing.PostgreSql;

namespace Ligbox.Core.Tests.PostgreSql;

// The persistence, run, concurrency and account tests again, each on its own database of one real
// PostgreSQL cluster started for the collection (issue 17): every [Fact] of the base class runs twice,
// once on SQLite (the base class) and once here.

/// <summary>One real PostgreSQL cluster for every test class of the collection (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class PostgreSqlCollection : ICollectionFixture<PostgreSqlServer>
{
    public const string Name = "PostgreSQL";
}

[Collection(PostgreSqlCollection.Name)]
public sealed class JobServiceOnPostgreSqlTests(PostgreSqlServer pg) : JobServiceTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class JobOverviewServiceOnPostgreSqlTests(PostgreSqlServer pg) : JobOverviewServiceTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class JobChangeKindsOnPostgreSqlTests(PostgreSqlServer pg) : JobChangeKindsTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class JobCertificatePinOnPostgreSqlTests(PostgreSqlServer pg) : JobCertificatePinTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class MailboxServiceOnPostgreSqlTests(PostgreSqlServer pg) : MailboxServiceTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class EfSyncStateStoreOnPostgreSqlTests(PostgreSqlServer pg) : EfSyncStateStoreTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class RunServiceActiveRunOnPostgreSqlTests(PostgreSqlServer pg) : RunServiceActiveRunTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class RunConcurrencyOnPostgreSqlTests(PostgreSqlServer pg) : RunConcurrencyTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class FinalVerificationOnPostgreSqlTests(PostgreSqlServer pg) : FinalVerificationTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class ApiTokenServiceOnPostgreSqlTests(PostgreSqlServer pg) : ApiTokenServiceTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class OwnPasswordServiceOnPostgreSqlTests(PostgreSqlServer pg) : OwnPasswordServiceTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class RightsGuardOnPostgreSqlTests(PostgreSqlServer pg) : RightsGuardTests
{
    protected override PostgreSqlServer? Postgres => pg;
}

[Collection(PostgreSqlCollection.Name)]
public sealed class DashboardServiceOnPostgreSqlTests(PostgreSqlServer pg) : DashboardServiceTests
{
    protected override PostgreSqlServer? Postgres => pg;
}
