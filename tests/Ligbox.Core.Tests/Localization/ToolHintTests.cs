using System.Globalization;
using Ligbox.Core.Localization;
using Ligbox.Tools.Doveadm;
using Ligbox.Tools.Imapsync;
using Ligbox.Tools.Readpst;

namespace Ligbox.Core.Tests.Localization;

/// <summary>The tools page's install hints: the tools' own English words in English, Portuguese for a Portuguese reader.</summary>
public class ToolHintTests
{
    public static TheoryData<string> Hints => [ImapsyncRunner.InstallHint, ReadpstRunner.InstallHint, DoveadmRunner.InstallHint];

    [Theory]
    [MemberData(nameof(Hints))]
    public void EachHint_IsTheToolsOwnInEnglish_AndPortugueseInPortuguese(string hint)
    {
        var before = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("en");
            Assert.Equal(hint, CoreText.T(hint));
            CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("pt-PT");
            var portuguese = CoreText.T(hint);
            Assert.NotEqual(hint, portuguese);
            Assert.Contains("scripts/install-migration-tools.sh", portuguese, StringComparison.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentUICulture = before;
        }
    }
}
