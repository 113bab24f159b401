using System.CommandLine;
using NetLab.Agent;
using NetLab.Agent.Hosting;

// netlab-agent: parse, start, print how to reach it, run until SIGTERM/Ctrl+C (the host handles both).
var root = AgentCommand.Create(async options =>
{
    AgentHost agent;
    try
    {
        agent = await AgentHost.StartAsync(options);
    }
    catch (Exception e) when (AgentCommand.Explain(e, options) is { } message)
    {
        Console.Error.WriteLine($"netlab-agent: {message}");
        return 2;
    }
    catch (Exception e) when (Environment.GetEnvironmentVariable("NETLAB_DEBUG") != "1")
    {
        // Anything else is one line too; NETLAB_DEBUG=1 shows the whole exception (as netlab does).
        Console.Error.WriteLine($"netlab-agent: could not start: {e.GetBaseException().Message} (NETLAB_DEBUG=1 shows the details)");
        return 1;
    }

    await using (agent)
    {
        var host = options.Bind.Equals(System.Net.IPAddress.Any) || options.Bind.Equals(System.Net.IPAddress.IPv6Any) ? "localhost" : agent.Endpoint.Address.ToString();
        var port = agent.Endpoint.Port;
        var web = agent.WebEndpoint is { } webEndpoint
            ? $"\nweb port {webEndpoint} (http, the lab's pages only: for browsers)"
            : "";
        var browse = agent.WebEndpoint is { } w
            ? $"http://{host}:{w.Port}/index           in a browser (the web port: the client speaks first)"
            : $"https://{host}:{port}/index          in a browser (accept the self-signed certificate once)";
        Console.WriteLine($"""
            netlab-agent {AgentHost.Version} listening on {agent.Endpoint} (tcp+udp){web}
            certificate SHA-256 {agent.Fingerprint}
            Ready. Try:
              nc {host} {port}                         the text session: type anything, /help, q to quit
              curl http://{host}:{port}/index/Adam
              curl -k https://{host}:{port}/data?format=csv
              openssl s_client -connect {host}:{port}   then type: GET / HTTP/1.1, Host: x, blank line
              nc -u {host} {port}                      UDP echo
              {browse}
            """);
        await agent.WaitForShutdownAsync();
    }

    return 0;
});

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // One line per mistake and where to look, like the classic tools: not the whole help, and exit 2.
    foreach (var error in parsed.Errors)
    {
        Console.Error.WriteLine($"netlab-agent: {error.Message}");
    }

    Console.Error.WriteLine("Try 'netlab-agent --help' for the options.");
    return 2;
}

return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
