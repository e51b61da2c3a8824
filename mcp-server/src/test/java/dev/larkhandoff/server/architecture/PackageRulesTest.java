package dev.larkhandoff.server.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * The import rules of the server's packages (see docs/architecture.md): no package cycle, the domain packages free of
 * MCP SDK types, and the composition root used by nobody but the command line.
 */
class PackageRulesTest {

    private static final JavaClasses SERVER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.larkhandoff.server");

    /** Where the behaviour lives: none of these may know how it is served. */
    private static final String[] DOMAIN = {
        "..server.tool..",
        "..server.session..",
        "..server.config..",
        "..server.workspace..",
        "..server.access..",
        "..server.channel..",
        "..server.routing..",
        "..server.handoff..",
        "..server.hooks.."
    };

    private static ArchRule noCycles(String packages) {
        return slices().matching(packages).should().beFreeOfCycles();
    }

    @Test
    void given_the_server_packages_then_they_form_no_cycle() {
        noCycles("dev.larkhandoff.server.(*)..").check(SERVER);
    }

    @Test
    void given_a_cycle_made_on_purpose_then_the_same_rule_reports_it() {
        JavaClasses fixture =
                new ClassFileImporter().importPackages("dev.larkhandoff.server.architecture.cyclefixture");

        EvaluationResult result = noCycles("dev.larkhandoff.server.architecture.cyclefixture.(*)..")
                .evaluate(fixture);

        assertThat(result.hasViolation()).isTrue();
        assertThat(result.getFailureReport().toString()).contains("first", "second");
    }

    @Test
    void given_the_domain_packages_then_none_uses_the_mcp_sdk() {
        noClasses()
                .that()
                .resideInAnyPackage(DOMAIN)
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.modelcontextprotocol..")
                .because("tools are adapted to MCP in one place, the mcp package")
                .check(SERVER);
    }

    @Test
    void given_the_stdio_relay_then_it_loads_neither_the_mcp_sdk_nor_reactor() {
        noClasses()
                .that()
                .resideInAPackage("..server.proxy..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.modelcontextprotocol..", "reactor..", "..server.mcp..", "..server.relay..")
                .because("every agent session starts a relay: it only passes lines, and the daemon hosts the session")
                .check(SERVER);
    }

    @Test
    void given_the_composition_root_then_only_the_command_line_uses_it() {
        noClasses()
                .that()
                .resideOutsideOfPackages("..server.daemon..", "..server.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("..server.daemon..")
                .because("the daemon package only wires the features together")
                .check(SERVER);
    }

    @Test
    void given_the_lark_clients_internals_then_the_server_does_not_use_them() {
        noClasses()
                .that()
                .resideInAPackage("dev.larkhandoff.server..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.larkhandoff.lark..internal..")
                .because("the Lark client's frame codec, fragment assembler and token bucket may change freely")
                .check(SERVER);
    }
}
