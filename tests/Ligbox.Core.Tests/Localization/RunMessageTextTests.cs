using System.Globalization;
using Ligbox.Core.Runs;

namespace Ligbox.Core.Tests.Localization;

/// <summary>Run results are stored in English; a Portuguese reader sees them in Portuguese, with Portuguese numbers.</summary>
public class RunMessageTextTests
{
    [Theory]
    [InlineData("Pre-flight OK for 1 mailbox(es).", "Verificação prévia correcta para 1 caixa(s) de correio.")]
    [InlineData("Initial sync of 3 mailbox(es) done: 12345 messages copied.", "Sincronização inicial de 3 caixa(s) de correio concluída: 12 345 mensagens copiadas.")]
    [InlineData("Final sync of 1 mailbox(es) done: 2 messages copied, every message verified on the destination.",
        "Sincronização final de 1 caixa(s) de correio concluída: 2 mensagens copiadas, todas verificadas no destino.")]
    [InlineData("1 of 4 mailbox(es) failed: authentication failed for ana@x on the source: check the password",
        "1 de 4 caixa(s) de correio falharam: falhou a autenticação de ana@x (origem): verifique a palavra-passe")]
    [InlineData("Pre-flight failed for 2 of 2 mailbox(es): 127.0.0.1:143 refused the connection on the source: check the port and that the IMAP service is running; "
        + "authentication failed for bo@x on the destination: check the password",
        "A verificação prévia falhou para 2 de 2 caixa(s) de correio: 127.0.0.1:143 recusou a ligação (origem): verifique a porta e se o serviço IMAP está a correr; "
        + "falhou a autenticação de bo@x (destino): verifique a palavra-passe")]
    [InlineData("authentication failed for ana@x on the source: check the password", "falhou a autenticação de ana@x (origem): verifique a palavra-passe")]
    [InlineData("Cancelled by tech@x.", "Cancelada por tech@x.")]
    [InlineData("0 copied, 17 already there, 0 errors; source 17, destination 17; missing on the destination: 0.",
        "0 copiadas, 17 já existentes, 0 erros; origem 17, destino 17; em falta no destino: 0.")]
    [InlineData("Pre-flight OK: 3 folders, 47 messages, 12,345 bytes.", "Verificação prévia correcta: 3 pastas, 47 mensagens, 12 345 bytes.")]
    [InlineData("12 appended, 0 already there, 1 quarantined.", "12 acrescentadas, 0 já existentes, 1 em quarentena.")]
    [InlineData("mailbox ana@x was added after the approval", "a caixa de correio ana@x foi acrescentada depois da aprovação")]
    [InlineData("the source server changed from imap.a:993 to imap.b:993 after the approval", "o servidor de origem mudou de imap.a:993 para imap.b:993 depois da aprovação")]
    [InlineData("the initial run that ended at 2026-12-04 10:15 UTC failed after the approval",
        "a sincronização inicial que terminou às 2026-12-04 10:15 UTC falhou depois da aprovação")]
    [InlineData("the delta run that ended at 2026-12-04 10:15 UTC failed after the approval (connection lost)",
        "a sincronização incremental (delta) que terminou às 2026-12-04 10:15 UTC falhou depois da aprovação (connection lost)")]
    [InlineData("Something the engine said.", "Something the engine said.")]
    [InlineData("The source server refused the password.", "The source server refused the password.")]
    public void APortugueseReader_ReadsTheKnownShapesInPortuguese(string stored, string expected)
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("pt-PT");
        try
        {
            // pt-PT groups thousands with a no-break space.
            Assert.Equal(expected.Replace("12 345", 12345.ToString("N0", CultureInfo.CurrentCulture), StringComparison.Ordinal), RunMessageText.Describe(stored));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    [Fact]
    public void AnEnglishReader_ReadsWhatWasStored()
    {
        var before = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
        try
        {
            Assert.Equal("Pre-flight OK for 1 mailbox(es).", RunMessageText.Describe("Pre-flight OK for 1 mailbox(es)."));
            Assert.Null(RunMessageText.Describe(null));
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}
