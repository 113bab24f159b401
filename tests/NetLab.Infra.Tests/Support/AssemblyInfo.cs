// systemd-analyze, npx and ELF binaries: these tests run on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
