using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using NetLab.Cli.Lab;

namespace NetLab.Cli.Commands;

/// <summary><c>netlab info</c>: the tutorial's netifaces, ifconfig, nslookup and gethostbyname.</summary>
internal static class InfoCommand
{
    public static Command Create(CliIO io)
    {
        var resolve = new Option<string>("--resolve")
        {
            Description = "Also resolve this name to its addresses (like nslookup)",
            HelpName = "name",
            CustomParser = r => r.Tokens.Count > 0 && r.Tokens[0].Value.Trim().Length > 0
                ? r.Tokens[0].Value.Trim()
                : NetLab.Agent.Hosting.OptionParsers.Fail<string>(r, "--resolve: no name given; e.g. --resolve localhost"),
        };
        var json = CommonOptions.Json();
        var command = new Command("info", """
            This machine's network facts: hostname, interfaces with their IPv4 and IPv6 addresses, default
            gateway, DNS servers, and optionally a name resolved to addresses.

            Examples:
              netlab info
              netlab info --resolve localhost
              netlab info --json
            """)
        {
            resolve, json,
        };
        command.SetAction(async (r, ct) =>
        {
            var facts = NetworkInfo.Read();
            var name = r.GetValue(resolve);
            string[]? addresses = null;
            string? resolveError = null;
            if (name is not null)
            {
                try
                {
                    addresses = (await Dns.GetHostAddressesAsync(name, ct)).Select(a => a.ToString()).ToArray();
                }
                catch (SocketException e)
                {
                    resolveError = $"cannot resolve {name}: {e.Message}";
                }
            }

            if (r.GetValue(json))
            {
                io.Json(new InfoDocument(
                    facts.HostName,
                    facts.Interfaces.Select(i => new InfoInterface(i.Name, i.Status, i.IPv4, i.IPv6)).ToList(),
                    facts.Gateways,
                    facts.DnsServers,
                    Resolve: name is null ? null : new InfoResolve(name, addresses, resolveError)));
            }
            else
            {
                io.Line($"hostname     {facts.HostName}");
                foreach (var i in facts.Interfaces)
                {
                    io.Line($"interface    {i.Name} ({i.Status})");
                    foreach (var a in i.IPv4)
                    {
                        io.Line($"  inet       {a}");
                    }

                    foreach (var a in i.IPv6)
                    {
                        io.Line($"  inet6      {a}");
                    }
                }

                io.Line($"gateway      {(facts.Gateways.Count == 0 ? "(none)" : string.Join(", ", facts.Gateways))}");
                io.Line($"DNS servers  {(facts.DnsServers.Count == 0 ? "(none)" : string.Join(", ", facts.DnsServers))}");
                if (name is not null)
                {
                    io.Line(resolveError ?? $"{name}  {string.Join(", ", addresses!)}");
                }
            }

            return resolveError is null ? ExitCodes.Success : ExitCodes.UsageOrConnection;
        });
        return command;
    }
}
