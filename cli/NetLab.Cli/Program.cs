using NetLab.Cli;

// NO_COLOR means no escape sequence at all: not even the keypad mode ("\e[?1h\e=") .NET writes from the terminal's
// terminfo entry the first time it uses a terminal. A dumb terminal has none; set before anything touches the console.
if (CliIO.NoColor(Environment.GetEnvironmentVariable("NO_COLOR"), Environment.GetEnvironmentVariable("TERM")))
{
    Environment.SetEnvironmentVariable("TERM", "dumb");
}

return await NetlabApp.RunAsync(args, CliIO.System());
