using Ligbox.Tools.Processes;

namespace Ligbox.Tools.Tests.Processes;

public class SecretRedactorTests
{
    [Theory]
    // imapsync command lines
    [InlineData("/usr/bin/imapsync --host1 h --password1 s3cret --password2 'p w'", "/usr/bin/imapsync --host1 h --password1 MASKED --password2 MASKED")]
    [InlineData("--password1=s3cret --user1 mig", "--password1=MASKED --user1 mig")]
    [InlineData("--oauthaccesstoken2 ya29.abc", "--oauthaccesstoken2 MASKED")]
    // imapsync's own masking is left as is
    [InlineData("--password1 MASKED --password2 MASKED", "--password1 MASKED --password2 MASKED")]
    // IMAP LOGIN in a debug trace: user kept, password masked
    [InlineData("Sending: 2 LOGIN mig \"s3cret\"", "Sending: 2 LOGIN mig MASKED")]
    [InlineData("C: A00000001 LOGIN \"mig@example.com\" hunter22", "C: A00000001 LOGIN \"mig@example.com\" MASKED")]
    [InlineData("3 login mig {6}", "3 login mig MASKED")]
    // SASL initial responses
    [InlineData("4 AUTHENTICATE PLAIN AG1pZwBzM2NyZXQ=", "4 AUTHENTICATE PLAIN MASKED")]
    [InlineData("A1 AUTHENTICATE XOAUTH2 dXNlcj1taWdAZXhhbXBsZS5jb20BYXV0aD1CZWFyZXIgeWEyOS4BAQ==", "A1 AUTHENTICATE XOAUTH2 MASKED")]
    // key=value secrets, bearer tokens, URL user-info
    [InlineData("doveadm -o imapc_password=s3cret backup", "doveadm -o imapc_password=MASKED backup")]
    [InlineData("password: s3cret", "password: MASKED")]
    [InlineData("client_secret=abc&grant_type=x", "client_secret=MASKED&grant_type=x")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "Authorization: Bearer MASKED")]
    [InlineData("imaps://mig:s3cret@mail.example.com/INBOX", "imaps://mig:MASKED@mail.example.com/INBOX")]
    // prose that mentions the words is left alone
    [InlineData("Host1: will try to use LOGIN authentication on host1", "Host1: will try to use LOGIN authentication on host1")]
    [InlineData("Host1: success login on [127.0.0.1] with user [mig] auth [LOGIN] or [LOGIN]", "Host1: success login on [127.0.0.1] with user [mig] auth [LOGIN] or [LOGIN]")]
    [InlineData("Host2: 127.0.0.1 says it has CAPABILITY for AUTHENTICATE LOGIN", "Host2: 127.0.0.1 says it has CAPABILITY for AUTHENTICATE LOGIN")]
    [InlineData("JSON::WebToken       0.10", "JSON::WebToken       0.10")]
    [InlineData("Messages transferred                    : 500 ", "Messages transferred                    : 500 ")]
    [InlineData("", "")]
    public void MasksSecrets_WhenLineMatchesAPattern(string line, string expected)
    {
        Assert.Equal(expected, SecretRedactor.Redact(line));
    }

    [Theory]
    [InlineData("server said: bad password Tr0ub4dor&3 for mig", "server said: bad password MASKED for mig")]
    [InlineData("echo VHIwdWI0ZG9yJjM= back", "echo MASKED back")] // base64 of the secret
    [InlineData("nothing secret here", "nothing secret here")]
    public void MasksKnownSecretsAnywhere_WhenGivenTheRunsSecrets(string line, string expected)
    {
        Assert.Equal(expected, SecretRedactor.Redact(line, ["Tr0ub4dor&3"]));
    }

    [Fact]
    public void MasksOptionValues_WhenRedactingAnArgumentList()
    {
        string[] args = ["--host1", "h", "--password1", "s3cret", "--passfile2", "/tmp/p2", "-o", "imapc_password=x1y2z3"];

        var redacted = SecretRedactor.RedactArguments(args);

        Assert.Equal(["--host1", "h", "--password1", "MASKED", "--passfile2", "/tmp/p2", "-o", "imapc_password=MASKED"], redacted);
    }
}
