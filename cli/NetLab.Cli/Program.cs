using NetLab.Cli;

// NO_COLOR means no escape sequence at all: not even the keypad mode ("\e[?1h\e=") .NET writes from the terminal's
// terminfo entry the first time it uses a terminal. A dumb terminal has none; set before anything touches the console.
if (CliIO.NoColor(Environment.GetEnvironmentVariable("NO_COLOR"), Environment.GetEnvironmentVariable("TERM")))
{
    Environment.SetEnvironmentVariable("TERM", "dumb");
}

// Windows consoles start in an OEM code page (437, 850) where the report's arrows and ellipses are '?': UTF-8, as
// Windows Terminal and PowerShell show it, and as a file it is redirected to is read.
if (OperatingSystem.IsWindows())
{
    Console.OutputEncoding = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
}

return await NetlabApp.RunAsync(args, CliIO.System());
