// These tests drive real Linux tools (bash, perl, readpst, doveadm) and check Unix file modes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
