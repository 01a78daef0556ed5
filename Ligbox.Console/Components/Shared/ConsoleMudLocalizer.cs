using Microsoft.Extensions.Localization;
using MudBlazor;

namespace Ligbox.Console.Components.Shared;

/// <summary>
/// MudBlazor's own texts (pagers, the grid's column menu, clear and close buttons, a required field's message) in the
/// reader's language, from <c>SharedText.pt.resx</c>. MudBlazor asks only for a language other than English; a key not
/// listed here keeps MudBlazor's English.
/// </summary>
public sealed class ConsoleMudLocalizer(IStringLocalizer<SharedText> L) : MudLocalizer
{
    public override LocalizedString this[string key]
    {
        get
        {
            LocalizedString? text = key switch
            {
                "MudDataGrid_Sort" => L["Sort"],
                "MudDataGrid_Unsort" => L["Unsort"],
                "MudDataGrid_ShowColumnOptions" => L["Column options"],
                "MudDataGrid_Columns" => L["Columns"],
                "MudDataGrid_Column" => L["Column"],
                "MudDataGrid_Filter" => L["Filter"],
                "MudDataGrid_Hide" => L["Hide"],
                "MudDataGrid_HideAll" => L["Hide all"],
                "MudDataGrid_ShowAll" => L["Show all"],
                "MudDataGrid_Group" => L["Group"],
                "MudDataGrid_Ungroup" => L["Ungroup"],
                "MudDataGrid_Loading" or "MudTable_Loading" => L["Loading…"],
                "MudDataGridPager_FirstPage" or "MudTablePager_FirstPage" or "MudPagination_FirstPage" => L["First page"],
                "MudDataGridPager_PreviousPage" or "MudTablePager_PreviousPage" or "MudPagination_PreviousPage" => L["Previous page"],
                "MudDataGridPager_NextPage" or "MudTablePager_NextPage" or "MudPagination_NextPage" => L["Next page"],
                "MudDataGridPager_LastPage" or "MudTablePager_LastPage" or "MudPagination_LastPage" => L["Last page"],
                "MudDataGridPager_RowsPerPage" => L["Rows per page:"],
                "MudDataGridPager_AllItems" => L["All"],
                "MudInput_Clear" => L["Clear"],
                "MudInput_Increment" => L["Increase"],
                "MudInput_Decrement" => L["Decrease"],
                "MudAlert_Close" or "MudChip_Close" or "MudDialog_Close" or "MudSnackbar_Close" => L["Close"],
                "MudFormComponent_Required" => L["Required"],
                "MudSelect_SelectAll" => L["Select all"],
                "Converter_InvalidNumber" => L["Not a valid number"],
                _ => null,
            };
            return text is { ResourceNotFound: false } ? text : base[key];
        }
    }
}
