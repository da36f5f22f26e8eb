// Column-aligned plain-text tables for terminal output.

#ifndef TESSERA_BASE_TEXT_TABLE_H_
#define TESSERA_BASE_TEXT_TABLE_H_

#include <string>
#include <vector>

namespace tessera {

class TextTable {
 public:
  enum class Align { kLeft, kRight };

  struct Column {
    std::string header;
    Align align = Align::kLeft;
  };

  explicit TextTable(std::vector<Column> columns);

  // Precondition: one cell per column.
  void AddRow(std::vector<std::string> cells);

  // Header, then rows; columns separated by two spaces, no trailing blanks.
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace tessera

#endif  // TESSERA_BASE_TEXT_TABLE_H_
