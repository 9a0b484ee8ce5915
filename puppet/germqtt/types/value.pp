# @summary One INI value: a single line without blanks at either end (germqtt's INI reader trims them).
type Germqtt::Value = Pattern[/\A\S(?:[^\r\n]*\S)?\z/]
