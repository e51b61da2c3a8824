package dev.larkhandoff.store.schema;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import dev.larkhandoff.store.jooq.DefaultSchema;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jooq.DataType;
import org.jooq.Field;
import org.jooq.ForeignKey;
import org.jooq.Index;
import org.jooq.SortField;
import org.jooq.Table;
import org.jooq.UniqueKey;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The jOOQ classes are generated from the SQLite schema and serve PostgreSQL too: the PostgreSQL migrations must
 * make, table for table, the columns (in the same order, of the matching type, equally nullable, defaulted or
 * generated), keys, references and indexes those classes describe.
 */
@ExtendWith(TestPostgres.class)
class PostgresSchemaTest {

    /** The PostgreSQL type of each type jOOQ reads the SQLite columns as. */
    private static final Map<DataType<?>, String> POSTGRES_TYPE =
            Map.of(SQLDataType.BIGINT, "int8", SQLDataType.CLOB, "text", SQLDataType.BOOLEAN, "bool");

    private Connection c;
    private DatabaseMetaData meta;

    @BeforeEach
    void migrated() throws Exception {
        StoreLocation.Postgres db = TestPostgres.newDatabase();
        c = DriverManager.getConnection(db.jdbcUrl(), db.connectionProperties());
        SchemaMigrator.migrate(c, SchemaMigrator.bundled(SchemaMigrator.Dialect.POSTGRESQL));
        meta = c.getMetaData();
    }

    @AfterEach
    void close() throws Exception {
        c.close();
    }

    @Test
    void given_the_migrated_postgresql_schema_then_it_has_the_tables_of_the_jooq_classes_and_schema_version()
            throws Exception {
        List<String> tables = new ArrayList<>();
        try (ResultSet rs = meta.getTables(null, "public", "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                tables.add(rs.getString("TABLE_NAME"));
            }
        }

        List<String> expected = new ArrayList<>(List.of("schema_version"));
        DefaultSchema.DEFAULT_SCHEMA.getTables().forEach(t -> expected.add(t.getName()));
        assertThat(tables).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void given_each_table_then_its_columns_match_the_jooq_fields_in_order_type_nullability_and_default()
            throws Exception {
        for (Table<?> table : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
            Set<String> keyColumns = new HashSet<>();
            if (table.getPrimaryKey() != null) {
                table.getPrimaryKey().getFields().forEach(f -> keyColumns.add(f.getName()));
            }
            List<String> expected = new ArrayList<>();
            for (Field<?> f : table.fields()) {
                DataType<?> type = f.getDataType();
                // SQLite lets a non-integer primary key hold NULL, so the generated class says nullable; PostgreSQL
                // never does.
                boolean nullable = type.nullable() && !keyColumns.contains(f.getName());
                expected.add(f.getName() + " " + POSTGRES_TYPE.get(type.getSQLDataType())
                        + (nullable ? " null" : " not null")
                        + (type.identity() ? " generated" : type.defaulted() ? " defaulted" : ""));
            }
            List<String> actual = new ArrayList<>();
            try (ResultSet rs = meta.getColumns(null, "public", table.getName(), "%")) {
                while (rs.next()) {
                    boolean identity = "YES".equals(rs.getString("IS_AUTOINCREMENT"));
                    actual.add(rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME")
                            + ("YES".equals(rs.getString("IS_NULLABLE")) ? " null" : " not null")
                            + (identity ? " generated" : rs.getString("COLUMN_DEF") != null ? " defaulted" : ""));
                }
            }

            assertThat(actual).as("columns of %s", table.getName()).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void given_each_table_then_its_keys_references_and_indexes_match_the_jooq_classes() throws Exception {
        for (Table<?> table : DefaultSchema.DEFAULT_SCHEMA.getTables()) {
            String name = table.getName();
            List<String> primaryKey = new ArrayList<>();
            Map<Short, String> keyColumns = new TreeMap<>();
            try (ResultSet rs = meta.getPrimaryKeys(null, "public", name)) {
                while (rs.next()) {
                    keyColumns.put(rs.getShort("KEY_SEQ"), rs.getString("COLUMN_NAME"));
                }
            }
            primaryKey.addAll(keyColumns.values());
            assertThat(primaryKey)
                    .as("primary key of %s", name)
                    .isEqualTo(names(table.getPrimaryKey().getFields()));

            Map<String, Map<Short, String>> indexes = new TreeMap<>();
            Map<String, Boolean> unique = new TreeMap<>();
            try (ResultSet rs = meta.getIndexInfo(null, "public", name, false, false)) {
                while (rs.next()) {
                    String index = rs.getString("INDEX_NAME");
                    indexes.computeIfAbsent(index, k -> new TreeMap<>())
                            .put(rs.getShort("ORDINAL_POSITION"), rs.getString("COLUMN_NAME"));
                    unique.put(index, !rs.getBoolean("NON_UNIQUE"));
                }
            }
            Set<List<String>> uniqueColumnSets = new HashSet<>();
            indexes.forEach((index, columns) -> {
                if (unique.get(index) && !new ArrayList<>(columns.values()).equals(primaryKey)) {
                    uniqueColumnSets.add(new ArrayList<>(columns.values()));
                }
            });
            Set<List<String>> expectedUnique = new HashSet<>();
            for (UniqueKey<?> key : table.getUniqueKeys()) {
                expectedUnique.add(names(key.getFields()));
            }
            assertThat(uniqueColumnSets).as("unique keys of %s", name).isEqualTo(expectedUnique);

            for (Index index : table.getIndexes()) {
                List<String> columns = new ArrayList<>();
                for (SortField<?> f : index.getFields()) {
                    columns.add(f.getName());
                }
                assertThat(indexes)
                        .as("index %s of %s", index.getName(), name)
                        .containsEntry(index.getName(), indexes.get(index.getName()));
                assertThat(new ArrayList<>(indexes.get(index.getName()).values()))
                        .as("columns of index %s", index.getName())
                        .isEqualTo(columns);
            }

            Set<String> references = new HashSet<>();
            try (ResultSet rs = meta.getImportedKeys(null, "public", name)) {
                while (rs.next()) {
                    references.add(rs.getString("FKCOLUMN_NAME") + " -> " + rs.getString("PKTABLE_NAME") + "."
                            + rs.getString("PKCOLUMN_NAME"));
                }
            }
            Set<String> expectedReferences = new HashSet<>();
            for (ForeignKey<?, ?> fk : table.getReferences()) {
                for (int i = 0; i < fk.getFields().size(); i++) {
                    expectedReferences.add(fk.getFields().get(i).getName() + " -> "
                            + fk.getKey().getTable().getName() + "."
                            + fk.getKey().getFields().get(i).getName());
                }
            }
            assertThat(references).as("references of %s", name).isEqualTo(expectedReferences);
        }
    }

    private static List<String> names(List<? extends Field<?>> fields) {
        return fields.stream().map(Field::getName).toList();
    }
}
