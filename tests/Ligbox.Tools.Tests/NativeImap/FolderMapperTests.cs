using Ligbox.Tools.NativeImap;

namespace Ligbox.Tools.Tests.NativeImap;

public sealed class FolderMapperTests
{
    private static readonly DestinationFolder[] DovecotDestination =
    [
        new("INBOX", FolderRole.Inbox),
        new("Sent", FolderRole.Sent),
        new("Drafts", FolderRole.Drafts),
        new("Trash", FolderRole.Trash),
        new("Junk", FolderRole.Junk),
        new("Archive", FolderRole.Archive),
    ];

    private static readonly DestinationFolder[] ExchangeDestination =
    [
        new("INBOX", FolderRole.Inbox),
        new("Sent Items", FolderRole.Sent),
        new("Deleted Items", FolderRole.Trash),
        new("Junk Email", FolderRole.Junk),
        new("Drafts", FolderRole.Drafts),
    ];

    [Theory]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Itens Enviados", "Sent")]
    [InlineData("Enviados", "Sent")]
    [InlineData("Mensagens Enviadas", "Sent")]
    [InlineData("Sent Items", "Sent")]
    [InlineData("Elementos enviados", "Sent")]
    [InlineData("Éléments envoyés", "Sent")]
    [InlineData("Gesendete Elemente", "Sent")]
    [InlineData("Rascunhos", "Drafts")]
    [InlineData("Borradores", "Drafts")]
    [InlineData("Brouillons", "Drafts")]
    [InlineData("Entwürfe", "Drafts")]
    [InlineData("Lixo", "Trash")]
    [InlineData("Itens Excluídos", "Trash")]
    [InlineData("Itens Eliminados", "Trash")]
    [InlineData("Deleted Items", "Trash")]
    [InlineData("Papelera", "Trash")]
    [InlineData("Corbeille", "Trash")]
    [InlineData("Gelöschte Elemente", "Trash")]
    [InlineData("Lixo Eletrônico", "Junk")]
    [InlineData("lixo eletronico", "Junk")]
    [InlineData("Spam", "Junk")]
    [InlineData("Junk E-mail", "Junk")]
    [InlineData("Correo no deseado", "Junk")]
    [InlineData("Courrier indésirable", "Junk")]
    [InlineData("Arquivo", "Archive")]
    [InlineData("Archivo", "Archive")]
    [InlineData("Archiv", "Archive")]
    [InlineData("INBOX/Sent Items", "Sent")]
    [InlineData("Clientes", "Clientes")]
    [InlineData("Clientes/2024/Março", "Clientes/2024/Março")]
    [InlineData("Clientes/Enviados", "Clientes/Enviados")]
    [InlineData("Отчёты/日本", "Отчёты/日本")]
    public void MapsByKnownName_WhenSourceHasNoSpecialUse(string source, string expected)
    {
        var mapping = Assert.Single(new FolderMapper().Map([new SourceFolder(source, '/')], DovecotDestination, '/'));

        Assert.Equal(expected, mapping.Destination);
    }

    [Theory]
    [InlineData("Itens Enviados", "Sent Items")]
    [InlineData("Lixo", "Deleted Items")]
    [InlineData("Spam", "Junk Email")]
    [InlineData("Rascunhos", "Drafts")]
    [InlineData("Arquivo", "Archive")] // no archive on the destination: the standard name is created
    public void MapsToTheDestinationFolderOfThatRole_WhenDestinationNamesDiffer(string source, string expected)
    {
        var mapping = Assert.Single(new FolderMapper().Map([new SourceFolder(source, '/')], ExchangeDestination, '/'));

        Assert.Equal(expected, mapping.Destination);
    }

    [Theory]
    [InlineData("Correspondência", FolderRole.Sent, "Sent", FolderMappingReason.SpecialUse)]
    [InlineData("Papierkorb", FolderRole.None, "Trash", FolderMappingReason.KnownName)]
    [InlineData("Caixa", FolderRole.Trash, "Trash", FolderMappingReason.SpecialUse)]
    [InlineData("Todos", FolderRole.Archive, "Archive", FolderMappingReason.SpecialUse)]
    public void PrefersSpecialUse_OverTheName(string source, FolderRole specialUse, string expected, FolderMappingReason reason)
    {
        var mapping = Assert.Single(new FolderMapper().Map([new SourceFolder(source, '/', specialUse)], DovecotDestination, '/'));

        Assert.Equal(expected, mapping.Destination);
        Assert.Equal(reason, mapping.Reason);
    }

    [Theory]
    [InlineData("INBOX.Clientes.2024", '.', '/', "INBOX/Clientes/2024")]
    [InlineData("Clientes/2024", '/', '.', "Clientes.2024")]
    [InlineData("A.B/C", '.', '/', "A/B_C")]
    [InlineData("A/B.C", '/', '.', "A.B_C")]
    [InlineData("Projetos\\Março", '\\', '/', "Projetos/Março")]
    public void ConvertsTheHierarchySeparator_WhenServersDiffer(string source, char sourceSeparator, char destinationSeparator, string expected)
    {
        var mapping = Assert.Single(new FolderMapper().Map([new SourceFolder(source, sourceSeparator)], [], destinationSeparator));

        Assert.Equal(expected, mapping.Destination);
    }

    [Theory]
    [InlineData(new[] { "Clientes*" }, new string[0], new[] { "Clientes", "Clientes/2024", "Clientes/2024/Março" })]
    [InlineData(new string[0], new[] { "Clientes/*" }, new[] { "INBOX", "Clientes", "Lixo", "Spam", "Gmail/All" })]
    [InlineData(new string[0], new[] { "spam", "lixo" }, new[] { "INBOX", "Clientes", "Clientes/2024", "Clientes/2024/Março", "Gmail/All" })]
    [InlineData(new[] { "INBOX", "?ixo" }, new string[0], new[] { "INBOX", "Lixo" })]
    public void SelectsFolders_WhenIncludeOrExcludeGlobsAreGiven(string[] include, string[] exclude, string[] expected)
    {
        var source = new[] { "INBOX", "Clientes", "Clientes/2024", "Clientes/2024/Março", "Lixo", "Spam", "Gmail/All", "Gmail/Starred" }
            .Select(n => new SourceFolder(n, '/', n == "Gmail/Starred" ? FolderRole.Flagged : FolderRole.None));
        var mapper = new FolderMapper(new FolderMappingOptions { Include = include, Exclude = exclude });

        var mapped = mapper.Map(source, DovecotDestination, '/').Select(m => m.Source);

        Assert.Equal(expected, mapped);
    }

    [Theory]
    [InlineData("Clientes", "Migrado/Clientes")]
    [InlineData("Clientes/2024", "Migrado/Clientes/2024")]
    [InlineData("INBOX", "INBOX")]
    [InlineData("Itens Enviados", "Sent")]
    public void PlacesOrdinaryFoldersUnderThePrefix_WhenPrefixIsSet(string source, string expected)
    {
        var mapper = new FolderMapper(new FolderMappingOptions { DestinationPrefix = "Migrado" });

        Assert.Equal(expected, Assert.Single(mapper.Map([new SourceFolder(source, '/')], DovecotDestination, '/')).Destination);
    }

    [Theory]
    [InlineData("Itens Enviados", "Enviados Antigos")]
    [InlineData("Clientes/2024", "Arquivo Morto/2024")]
    public void UsesTheOverride_WhenOneIsGiven(string source, string target)
    {
        var mapper = new FolderMapper(new FolderMappingOptions { Overrides = new Dictionary<string, string> { [source] = target } });

        var mapping = Assert.Single(mapper.Map([new SourceFolder(source, '/')], DovecotDestination, '.'));

        Assert.Equal(target.Replace('/', '.'), mapping.Destination);
        Assert.Equal(FolderMappingReason.Override, mapping.Reason);
    }

    [Theory]
    [InlineData(false, new[] { "INBOX" })]
    [InlineData(true, new[] { "INBOX", "[Gmail]/All Mail", "[Gmail]/Starred" })]
    public void LeavesOutVirtualFolders_UnlessAskedFor(bool includeVirtual, string[] expected)
    {
        var source = new[]
        {
            new SourceFolder("INBOX", '/'),
            new SourceFolder("[Gmail]/All Mail", '/', FolderRole.All),
            new SourceFolder("[Gmail]/Starred", '/', FolderRole.Flagged),
        };
        var mapper = new FolderMapper(new FolderMappingOptions { IncludeVirtualFolders = includeVirtual });

        Assert.Equal(expected, mapper.Map(source, DovecotDestination, '/').Select(m => m.Source));
    }

    [Theory]
    [InlineData("Sent", true)]
    [InlineData("Clientes/2024", false)]
    public void ReportsWhetherTheDestinationExists(string source, bool exists)
    {
        var mapping = Assert.Single(new FolderMapper().Map([new SourceFolder(source, '/')], DovecotDestination, '/'));

        Assert.Equal(exists, mapping.DestinationExists);
    }
}
