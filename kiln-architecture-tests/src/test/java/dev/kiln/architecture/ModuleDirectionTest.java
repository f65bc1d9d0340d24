package dev.kiln.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The two rules that carry DESIGN.md, plus the layering Maven cannot see inside a module:
 * the solver never reaches the worker, snapshotter or executor; the Dockerfile frontend
 * never reaches the solver or the worker; low modules never reach high ones.
 */
class ModuleDirectionTest {
    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.kiln");
    }

    @Test
    void theSolverKnowsNoWorkerSnapshotterOrExecutor() {
        noClasses().that().resideInAPackage("dev.kiln.solver..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kiln.worker..", "dev.kiln.snapshot..",
                        "dev.kiln.executor..", "dev.kiln.engine..", "dev.kiln.export..")
                .check(classes);
    }

    @Test
    void theFrontendOnlyProducesDefinitions() {
        noClasses().that().resideInAPackage("dev.kiln.dockerfile..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kiln.solver..", "dev.kiln.worker..",
                        "dev.kiln.engine..", "dev.kiln.snapshot..", "dev.kiln.executor..", "dev.kiln.registry..")
                .check(classes);
    }

    @Test
    void leafModulesStayLeaves() {
        noClasses().that().resideInAnyPackage("dev.kiln.common..", "dev.kiln.llb..", "dev.kiln.oci..",
                        "dev.kiln.session..", "dev.kiln.snapshot..", "dev.kiln.executor..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.kiln.solver..", "dev.kiln.worker..",
                        "dev.kiln.export..", "dev.kiln.engine..", "dev.kiln.cli..", "dev.kiln.dockerfile..",
                        "dev.kiln.registry..", "dev.kiln.client..", "dev.kiln.daemon..")
                .check(classes);
    }

    @Test
    void theClientLibraryAndDaemonKnowNoCli() {
        noClasses().that().resideInAnyPackage("dev.kiln.client..", "dev.kiln.daemon..", "dev.kiln.engine..")
                .should().dependOnClassesThat().resideInAPackage("dev.kiln.cli..")
                .check(classes);
        noClasses().that().resideInAnyPackage("dev.kiln.daemon..", "dev.kiln.engine..")
                .should().dependOnClassesThat().resideInAPackage("dev.kiln.client..")
                .check(classes);
    }

    @Test
    void onlyTheCliDaemonAndClientLibraryUseTheEngine() {
        noClasses().that().resideOutsideOfPackages("dev.kiln.cli..", "dev.kiln.daemon..", "dev.kiln.engine..",
                        "dev.kiln.client..")
                .should().dependOnClassesThat().resideInAPackage("dev.kiln.engine..")
                .check(classes);
    }
}
