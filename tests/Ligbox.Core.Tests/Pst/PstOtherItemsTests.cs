using System.IO.Compression;
using Ligbox.Testing.Dovecot;

namespace Ligbox.Core.Tests.Pst;

/// <summary>
/// Contacts and calendar entries of a PST (real readpst on the real PSTs of ../shared/testdata/pst, real Dovecot):
/// not appended, but counted by type on the run and kept as vCard and iCalendar in one zip.
/// </summary>
public sealed class PstOtherItemsTests(PlainDovecot fixture) : IClassFixture<PlainDovecot>
{
    private readonly DovecotServer _dovecot = fixture.Server;

    [Theory]
    [InlineData("Outlook_1.pst", 14)]
    [InlineData("dist-list.pst", 0)]
    public async Task Contacts_and_calendar_entries_are_counted_and_kept_as_vCard_and_iCalendar(string file, int mail)
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);
        var archive = Path.Combine(work.Root, "items.zip");
        var request = work.Request(PstTestSupport.SharedPst(file), PstTestSupport.Endpoint(_dovecot, user)) with { OtherItemsPath = archive };

        var stats = await PstTestSupport.CreateImporter().ImportAsync(request);

        Assert.Equal(mail, stats.Appended);
        Assert.Equal(new Dictionary<string, int> { ["appointment"] = 1, ["contact"] = 1 }, stats.OtherItems);
        Assert.Equal(stats.Folders.Sum(f => f.NotMail), stats.OtherItems.Values.Sum());
        Assert.Equal("items.zip", stats.OtherItemsArchive);
        using var zip = ZipFile.OpenRead(archive);
        Assert.Equal(["calendar.ics", "contacts.vcf"], zip.Entries.Select(e => e.FullName).Order());
        using (var vcf = new StreamReader(zip.GetEntry("contacts.vcf")!.Open()))
        {
            Assert.Equal(1, (await vcf.ReadToEndAsync()).Split("BEGIN:VCARD").Length - 1);
        }

        using var ics = new StreamReader(zip.GetEntry("calendar.ics")!.Open());
        var calendar = await ics.ReadToEndAsync();
        Assert.StartsWith("BEGIN:VCALENDAR", calendar);
        Assert.Equal(1, calendar.Split("BEGIN:VEVENT").Length - 1);
    }

    [Fact]
    public async Task Without_an_archive_path_they_are_still_counted()
    {
        using var work = new PstTestSupport.Work();
        var user = PstTestSupport.NewUser(_dovecot);

        var stats = await PstTestSupport.CreateImporter().ImportAsync(work.Request(PstTestSupport.SharedPst("Outlook_1.pst"), PstTestSupport.Endpoint(_dovecot, user)));

        Assert.Equal(2, stats.OtherItems.Values.Sum());
        Assert.Null(stats.OtherItemsArchive);
    }
}
