#!/usr/bin/perl
# A stand-in for imapsync that replays a recorded imapsync log, for testing the process plumbing
# (imapsync itself cannot be installed on the test machines). Reads its settings from "$0.conf":
#   replay=PATH  delay=SECONDS (between lines)  first_pause=SECONDS (after the first replayed line)
#   exit=CODE  spawn_child=0|1  leak_password=0|1
# Like imapsync it honours --logdir/--logfile and reads --passfile1/--passfile2. It prints extra
# "FAKE ..." lines: its argv, a SHA-256 of each password it read (proving the passfile was readable
# while it ran) and the mode of each passfile.
use strict;
use warnings;
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(sleep);

$| = 1;
my %conf = (delay => 0, first_pause => 0, exit => 0, spawn_child => 0, leak_password => 0);
open(my $cf, '<', "$0.conf") or die "fake-imapsync: cannot read $0.conf: $!\n";
while (my $line = <$cf>) {
    chomp $line;
    next unless $line =~ /^(\w+)=(.*)$/;
    $conf{$1} = $2;
}
close $cf;

my %opt;
for (my $i = 0; $i < @ARGV; $i++) {
    if ($ARGV[$i] =~ /^--(passfile1|passfile2|logdir|logfile|pidfile)$/ && $i + 1 < @ARGV) {
        $opt{$1} = $ARGV[$i + 1];
    }
}

print "FAKE pid $$\n";
print "FAKE argv: @ARGV\n";
my %password;
for my $side (1, 2) {
    my $file = $opt{"passfile$side"};
    if (defined $file && open(my $pf, '<', $file)) {
        my $pw = <$pf>;
        close $pf;
        chomp $pw;
        $password{$side} = $pw;
        printf "FAKE passfile%d sha256 %s\n", $side, sha256_hex($pw);
        printf "FAKE passfile%d mode %04o\n", $side, (stat($file))[2] & 07777;
    } else {
        print "FAKE passfile$side unreadable\n";
    }
}

if ($conf{leak_password} && defined $password{1}) {
    # What a debug trace of the LOGIN command would show.
    print "Sending: 2 LOGIN mig \"$password{1}\"\n";
    print STDERR "FAKE stderr: password was $password{1}\n";
}

if ($conf{spawn_child}) {
    my $pid = fork();
    if ($pid == 0) { exec('sleep', '300'); }
    print "FAKE child pid $pid\n";
}

my $log;
if (defined $opt{logdir} && defined $opt{logfile}) {
    open($log, '>>', "$opt{logdir}/$opt{logfile}") or die "fake-imapsync: cannot write log: $!\n";
    $log->autoflush(1);
}

open(my $replay, '<', $conf{replay}) or die "fake-imapsync: cannot read $conf{replay}: $!\n";
my $first = 1;
while (my $line = <$replay>) {
    print $line;
    print $log $line if $log;
    if ($first) { sleep($conf{first_pause}) if $conf{first_pause} > 0; $first = 0; }
    sleep($conf{delay}) if $conf{delay} > 0;
}
close $replay;
close $log if $log;
exit $conf{exit};
