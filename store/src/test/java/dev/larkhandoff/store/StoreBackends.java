package dev.larkhandoff.store;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs every test of the class once on SQLite and once on PostgreSQL; the class takes the backend as
 * {@code @Parameter(0) StoreBackend backend} and opens its stores with {@link StoreBackend#open}.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedClass(name = "on {0}")
@EnumSource(StoreBackend.class)
@ExtendWith(TestPostgres.class)
public @interface StoreBackends {}
