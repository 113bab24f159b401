// The tests drive Debian's nc, ncat, telnet, curl, openssl and wget, and send signals: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
