// The helpers drive Debian's nc, ncat, telnet, curl, openssl and Chromium, and network namespaces: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
