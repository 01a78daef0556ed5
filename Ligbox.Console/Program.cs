using Ligbox.Console;

var app = WebApplication.CreateBuilder(args).BuildLigboxConsole();
app.Run();

/// <summary>Entry point, public so WebApplicationFactory can reach it in tests.</summary>
public partial class Program;
