using Ligbox.Console;
using Ligbox.Core;
using Ligbox.Tools;

var builder = WebApplication.CreateBuilder(args);
builder.AddLigboxCore();
builder.Services.AddLigboxTools();
builder.AddLigboxConsole();

var app = builder.Build();
app.UseLigboxConsole();
app.Run();

/// <summary>Entry point, public so WebApplicationFactory can reach it in tests.</summary>
public partial class Program;
