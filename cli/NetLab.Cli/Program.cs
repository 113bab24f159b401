using NetLab.Cli;

return await NetlabApp.RunAsync(args, CliIO.System());
