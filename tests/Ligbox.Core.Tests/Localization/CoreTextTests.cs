using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ligbox.Core.Audit;
using Ligbox.Core.Localization;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.NativeImap;
using Ligbox.Tools.Statistics;

namespace Ligbox.Core.Tests.Localization;

/// <summary>
/// Core's plain words in Portuguese (issue 16): every English text Core asks CoreText for has its Portuguese with the same
/// placeholders, nothing stale stays in the resource, and audit sentences read in the reader's language while their
/// English (the stored default) does not change.
/// </summary>
public partial class CoreTextTests
{
    private static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Ligbox.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Repository root not found.");
        }
    }

    /// <summary>T("…"), F("…", …), CoreText.T/F("…") and the details' Opt(name, "…") fragments in Core's source.</summary>
    private static SortedSet<string> AskedFor()
    {
        var keys = new SortedSet<string>(CoreText.KnownMessages, StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "Ligbox.Core"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            if (!text.Contains("CoreText", StringComparison.Ordinal))
            {
                continue;
            }

            foreach (Match m in Asked().Matches(text))
            {
                keys.Add(Regex.Unescape(m.Groups["key"].Value));
            }
        }

        // The engines' templates (Ligbox.Tools): EngineErrorText translates them; the tools' install hints, the tools page.
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, "Ligbox.Tools"), "*.cs", SearchOption.AllDirectories))
        {
            foreach (Match m in EngineTemplate().Matches(File.ReadAllText(file)))
            {
                keys.Add(Regex.Unescape(m.Groups["key"].Value));
            }
        }

        return keys;
    }

    private static Dictionary<string, string> Portuguese() =>
        XDocument.Load(Path.Combine(Root, "Ligbox.Core", "Localization", "CoreText.pt.resx")).Root!.Elements("data")
            .ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

    [Fact]
    public void EveryTextAskedFor_HasItsPortuguese_WithTheSamePlaceholders()
    {
        var asked = AskedFor();
        Assert.Contains("{0} approved the gate: {1}", asked);
        var pt = Portuguese();
        var problems = new List<string>();
        foreach (var key in asked)
        {
            if (!pt.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
            {
                problems.Add($"CoreText.pt.resx lacks \"{key}\"");
            }
            else if (!Placeholders(key).SequenceEqual(Placeholders(value)))
            {
                problems.Add($"\"{key}\": placeholders differ in \"{value}\"");
            }
        }

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void TheResource_KeepsNoTextNobodyAsksFor()
    {
        var asked = AskedFor();
        var stale = Portuguese().Keys.Where(k => !asked.Contains(k)).ToList();
        Assert.True(stale.Count == 0, "texts in CoreText.pt.resx nobody asks for:\n" + string.Join("\n", stale));
    }

    private static List<string> Placeholders(string text) =>
        PlaceholderRegex().Matches(text).Select(m => m.Value).Order(StringComparer.Ordinal).ToList();

    private static string InPortuguese(Func<string> describe)
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("pt-PT");
        try
        {
            return describe();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    [Theory]
    [InlineData("ana@x", "gate.approved", """{"state":"Approved","grade":"Good","ratio":1,"sourceMessages":290,"destinationMessages":290,"comment":"Contagens verificadas"}""",
        "ana@x aprovou o ponto de controlo: 290 de 290 mensagens (100,00%), classificação boa, comentário “Contagens verificadas”.")]
    [InlineData("tech@x", "run.started", """{"kind":"Initial","mailboxes":4,"dryRun":false,"trigger":"Manual"}""",
        "tech@x iniciou uma sincronização inicial de 4 caixas de correio.")]
    [InlineData("tech@x", "run.started", """{"kind":"Preflight","mailboxes":1,"dryRun":false,"trigger":"Manual"}""",
        "tech@x iniciou uma verificação prévia de 1 caixa de correio.")]
    [InlineData("system", "run.ended", """{"kind":"Delta","status":"Cancelled"}""", "A sincronização incremental (delta) foi cancelada.")]
    [InlineData("tech@x", "job.updated", """{"name":"N","source":{"host":"h"}}""", "tech@x alterou o nome e a origem da migração.")]
    [InlineData("tech@x", "mailbox.excluded", """{"mailbox":"anna@old","reason":"saiu da empresa"}""", "tech@x excluiu da migração a caixa de correio anna@old: saiu da empresa.")]
    [InlineData("ana@x", "user.preferences_changed", """{"language":"pt","timeZone":"Europe/Lisbon"}""", "ana@x definiu o idioma como pt e o fuso horário como Europe/Lisbon.")]
    [InlineData("admin@x", "user.disabled", """{"email":"bo@x"}""", "admin@x desactivou a conta bo@x.")]
    [InlineData("system", "token.bootstrapped", """{"scopes":["jobs:read"]}""", "A consola criou o primeiro token da API a partir da sua configuração.")]
    public void AuditSentences_ReadInPortuguese_ForAPortugueseReader(string actor, string action, string details, string expected) =>
        Assert.Equal(expected, InPortuguese(() => AuditSentences.Describe(actor, action, "x", "1", details)));

    private static ImapFailure Imapsync(int exitCode) => ImapsyncFailures.Describe(
        new ImapsyncRunResult(exitCode, ImapsyncExitCodes.Describe(exitCode), new SyncStatistics { Engine = "imapsync" }, null, TimeSpan.FromSeconds(3), null),
        new SyncRequest
        {
            Source = new ImapEndpoint("imap.old.example", 993, ImapSecurity.Ssl, "ana@old.example", "secret"),
            Destination = new ImapEndpoint("imap.new.example", 993, ImapSecurity.Ssl, "ana@new.example", "secret"),
        });

    [Fact]
    public void AnEngineError_ReadsInPortuguese_AndKeepsItsEnglish()
    {
        var failure = Imapsync(161);
        Assert.Equal("authentication failed for ana@old.example on the source (imap.old.example): check the password (imapsync exit 161, EXIT_AUTHENTICATION_FAILURE_USER1).",
            failure.Message);
        Assert.Equal(failure.Message, EngineErrorText.Describe(failure));
        Assert.Equal("falhou a autenticação de ana@old.example na origem (imap.old.example): verifique a palavra-passe (o imapsync terminou com 161, EXIT_AUTHENTICATION_FAILURE_USER1).",
            InPortuguese(() => EngineErrorText.Describe(failure)));

        // A native engine's failure names its side as an argument: Portuguese says it in brackets.
        var native = ImapFailure.Of(ImapFailureKind.AuthenticationFailed, ImapSide.Destination, null,
            "authentication failed for {0} on {1}: check the password", "ana@new.example", "the destination");
        Assert.Equal("authentication failed for ana@new.example on the destination: check the password", native.Message);
        Assert.Equal("falhou a autenticação de ana@new.example (destino): verifique a palavra-passe", InPortuguese(() => EngineErrorText.Describe(native)));

        // A message made without a template stays as it was written.
        var plain = new ImapFailure(ImapFailureKind.Unknown, ImapSide.Source, "something odd");
        Assert.Equal("something odd", InPortuguese(() => EngineErrorText.Describe(plain)));
    }

    [Fact]
    public void AKnownRefusal_AndANotFound_ReadInPortuguese()
    {
        Assert.Equal("A migração já está cancelada.", InPortuguese(() => CoreText.Describe(new DomainException("The job is already cancelled."))));
        Assert.Equal("Não existe: migração 42.", InPortuguese(() => CoreText.Describe(new NotFoundException("Job", 42))));
        Assert.Equal("Job 42 was not found.", CoreText.Describe(new NotFoundException("Job", 42)));
        Assert.Equal("A run that is Running cannot be started.", InPortuguese(() => CoreText.Describe(new DomainException("A run that is Running cannot be started."))));
    }

    [Fact]
    public void AuditSentences_StayEnglish_ForEveryoneElse()
    {
        var details = """{"kind":"Initial","mailboxes":4,"dryRun":false,"trigger":"Manual"}""";
        Assert.Equal("tech@x started an initial sync of 4 mailboxes.", AuditSentences.Describe("tech@x", "run.started", "x", "1", details));
        var before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            Assert.Equal("tech@x started an initial sync of 4 mailboxes.", AuditSentences.Describe("tech@x", "run.started", "x", "1", details));
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }

    [GeneratedRegex(@"(?:\b(?:T|F|English|Stored)|CoreText\.(?:T|F)|\.Opt)\((?:""\w+"",\s*)?""(?<key>(?:[^""\\]|\\.)*)""")]
    private static partial Regex Asked();

    [GeneratedRegex(@"(?:ImapFailure\.Of\([^""]*|const string InstallHint\s*=\s*)""(?<key>(?:[^""\\]|\\.)*)""")]
    private static partial Regex EngineTemplate();

    [GeneratedRegex(@"\{\d+(?:[:,][^}]*)?\}")]
    private static partial Regex PlaceholderRegex();
}
